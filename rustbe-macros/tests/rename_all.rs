//! `#[resource(rename_all = "camelCase")]` through the whole router on SQLite: the bodies,
//! the responses, the filters, the sort, the validation and conflict details and the OpenAPI
//! document all use the renamed names; a field's own `rename` wins.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use rustbe_core::__private::axum::Router;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use sea_orm::{ConnectionTrait, Schema};
use serde_json::{Value, json};

#[allow(
    missing_docs,
    unreachable_pub,
    reason = "SeaORM entities are public by convention"
)]
pub mod event {
    use rustbe_core::Resource;
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Resource)]
    #[sea_orm(table_name = "events")]
    #[resource(
        rename_all = "camelCase",
        access(all = public),
        default_sort = "-seatCount",
        filter_fn(name = "min_seats_x2", with = crate::doubled_seats),
        view(name = "biggest", sort = "-seatCount,eventName", limit = 2)
    )]
    pub struct Model {
        #[sea_orm(primary_key)]
        #[resource(sort)]
        pub id: i32,
        #[resource(filter(eq, in), sort, search, trim, length(min = 1, max = 100))]
        pub event_name: String,
        #[resource(filter(range), sort, range(min = 1, max = 100000))]
        pub seat_count: i32,
        /// Shown as `venue`: a field's own name wins over `rename_all`.
        #[resource(rename = "venue", filter)]
        pub venue_code: String,
        #[sea_orm(unique)]
        #[resource(filter, length(min = 3))]
        pub ticket_code: String,
        pub starts_on: Option<Date>,
        #[resource(created_at, sort, filter(range))]
        pub created_at: DateTimeUtc,
        #[resource(updated_at, sort)]
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The custom filter of the test: its name stays as written.
fn doubled_seats(half: i32) -> Result<sea_orm::Condition, String> {
    use sea_orm::ColumnTrait as _;
    let seats = half.checked_mul(2).ok_or("is too large")?;
    Ok(sea_orm::Condition::all().add(event::Column::SeatCount.gte(seats)))
}

async fn app() -> (Router, TestDb) {
    let test_db = TestDb::sqlite().await;
    let schema = Schema::new(test_db.db.get_database_backend());
    test_db
        .db
        .execute(&schema.create_table_from_entity(event::Entity))
        .await
        .expect("create table");
    let router = App::new(Config::for_tests("rename-all"))
        .database(test_db.db.clone())
        .resource::<event::Model>()
        .into_router();
    (router, test_db)
}

async fn create(router: &Router, body: Value) -> TestResponse {
    TestRequest::post("/api/events")
        .json(&body)
        .send(router)
        .await
}

fn names(response: &TestResponse) -> Vec<String> {
    response.json()["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| row["eventName"].as_str().expect("eventName").to_owned())
        .collect()
}

async fn list(router: &Router, query: &str) -> TestResponse {
    TestRequest::get(&format!("/api/events?{query}"))
        .send(router)
        .await
}

#[tokio::test]
async fn camel_case_bodies_responses_filters_sorts_and_errors() {
    let (router, _db) = app().await;
    for (name, seats, venue, code) in [
        ("Launch", 120, "HALL", "T-1"),
        ("Meetup", 30, "ROOM", "T-2"),
        ("Gala", 500, "HALL", "T-3"),
    ] {
        let created = create(
            &router,
            json!({"eventName": name, "seatCount": seats, "venue": venue, "ticketCode": code, "startsOn": "2027-01-02"}),
        )
        .await;
        assert_eq!(created.status(), 201, "{:?}", created.json());
        let data = &created.json()["data"];
        let mut keys: Vec<&str> = data
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "createdAt",
                "eventName",
                "id",
                "seatCount",
                "startsOn",
                "ticketCode",
                "updatedAt",
                "venue"
            ]
        );
        assert_eq!(data["seatCount"], seats);
    }

    // Read back, then change through PATCH and PUT with camelCase bodies.
    let one = TestRequest::get("/api/events/1").send(&router).await;
    assert_eq!(one.status(), 200);
    assert_eq!(one.json()["data"]["eventName"], "Launch");
    assert_eq!(one.json()["data"]["startsOn"], "2027-01-02");
    let patched = TestRequest::new(rustbe_core::__private::http::Method::PATCH, "/api/events/1")
        .json(&json!({"seatCount": 150, "startsOn": null}))
        .send(&router)
        .await;
    assert_eq!(patched.status(), 200, "{:?}", patched.json());
    assert_eq!(patched.json()["data"]["seatCount"], 150);
    assert_eq!(patched.json()["data"]["startsOn"], Value::Null);
    let replaced = TestRequest::new(rustbe_core::__private::http::Method::PUT, "/api/events/2")
        .json(
            &json!({"eventName": "Meetup", "seatCount": 40, "venue": "ROOM", "ticketCode": "T-2"}),
        )
        .send(&router)
        .await;
    assert_eq!(replaced.status(), 200, "{:?}", replaced.json());
    assert_eq!(replaced.json()["data"]["seatCount"], 40);

    // The default sort (`-seatCount`), an explicit sort and every filter form.
    assert_eq!(
        names(&list(&router, "").await),
        ["Gala", "Launch", "Meetup"]
    );
    assert_eq!(
        names(&list(&router, "sort=seatCount,-eventName").await),
        ["Meetup", "Launch", "Gala"]
    );
    // The rows may share a timestamp: the key breaks the tie.
    assert_eq!(
        names(&list(&router, "sort=createdAt,id").await),
        ["Launch", "Meetup", "Gala"]
    );
    assert_eq!(list(&router, "sort=-updatedAt").await.status(), 200);
    assert_eq!(
        names(&list(&router, "min_seatCount=100&max_seatCount=200").await),
        ["Launch"]
    );
    assert_eq!(
        names(&list(&router, "eventName_in=Gala,Meetup&sort=eventName").await),
        ["Gala", "Meetup"]
    );
    assert_eq!(names(&list(&router, "venue=ROOM").await), ["Meetup"]);
    assert_eq!(names(&list(&router, "ticketCode=T-3").await), ["Gala"]);
    assert_eq!(
        names(&list(&router, "min_createdAt=2000-01-01T00:00:00Z&sort=id").await),
        ["Launch", "Meetup", "Gala"]
    );
    assert_eq!(names(&list(&router, "q=gal").await), ["Gala"]);
    // A custom filter keeps the name it was given.
    assert_eq!(
        names(&list(&router, "min_seats_x2=70").await),
        ["Gala", "Launch"]
    );
    let view = TestRequest::get("/api/events/biggest").send(&router).await;
    assert_eq!(view.status(), 200);
    assert_eq!(names(&view), ["Gala", "Launch"]);

    // The Rust names are not the API's: a 400 naming the parameter.
    let snake = list(&router, "seat_count=30").await;
    assert_eq!(snake.status(), 400);
    assert_eq!(snake.json()["error"]["details"][0]["field"], "seat_count");
    let bad_sort = list(&router, "sort=seat_count").await;
    assert_eq!(bad_sort.status(), 400, "{:?}", bad_sort.json());
    assert!(
        bad_sort.json()["error"]["details"][0]["message"]
            .as_str()
            .expect("a message")
            .contains("seatCount"),
        "{:?}",
        bad_sort.json()
    );
    let bad_value = list(&router, "min_seatCount=many").await;
    assert_eq!(bad_value.status(), 400);
    assert_eq!(
        bad_value.json()["error"]["details"][0]["field"],
        "min_seatCount"
    );

    // Validation details name the camelCase fields: rules, a missing field, a wrong type.
    let invalid = create(
        &router,
        json!({"eventName": "  ", "seatCount": 0, "venue": "X", "ticketCode": "T"}),
    )
    .await;
    assert_eq!(invalid.status(), 400, "{:?}", invalid.json());
    let fields = |response: &TestResponse| -> Vec<String> {
        response.json()["error"]["details"]
            .as_array()
            .expect("details")
            .iter()
            .map(|d| d["field"].as_str().expect("a field").to_owned())
            .collect()
    };
    assert_eq!(fields(&invalid), ["eventName", "seatCount", "ticketCode"]);
    let shape = create(
        &router,
        json!({"eventName": "X", "seatCount": "many", "venue": "X"}),
    )
    .await;
    assert_eq!(shape.status(), 400, "{:?}", shape.json());
    assert_eq!(fields(&shape), ["seatCount", "ticketCode"]);
    // The snake_case name is an unknown field, not the renamed one.
    let snake_body = create(
        &router,
        json!({"event_name": "X", "seatCount": 5, "venue": "X", "ticketCode": "T-9"}),
    )
    .await;
    assert_eq!(snake_body.status(), 400, "{:?}", snake_body.json());
    assert!(fields(&snake_body).contains(&"eventName".to_owned()));

    // A unique violation names the camelCase field.
    let duplicate = create(
        &router,
        json!({"eventName": "Again", "seatCount": 5, "venue": "X", "ticketCode": "T-1"}),
    )
    .await;
    assert_eq!(duplicate.status(), 409, "{:?}", duplicate.json());
    assert_eq!(fields(&duplicate), ["ticketCode"]);
}

#[tokio::test]
async fn the_openapi_document_uses_the_renamed_names() {
    let (router, _db) = app().await;
    let doc = TestRequest::get("/openapi.json").send(&router).await;
    assert_eq!(doc.status(), 200);
    let doc = doc.json();
    let schemas = &doc["components"]["schemas"];
    let properties = |name: &str| -> Vec<String> {
        let mut keys: Vec<String> = schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has properties: {schemas}"))
            .keys()
            .cloned()
            .collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(
        properties("Event"),
        [
            "createdAt",
            "eventName",
            "id",
            "seatCount",
            "startsOn",
            "ticketCode",
            "updatedAt",
            "venue"
        ]
    );
    assert_eq!(
        properties("EventCreate"),
        ["eventName", "seatCount", "startsOn", "ticketCode", "venue"]
    );
    assert_eq!(
        properties("EventPatch"),
        ["eventName", "seatCount", "startsOn", "ticketCode", "venue"]
    );
    let mut required: Vec<&str> = schemas["EventCreate"]["required"]
        .as_array()
        .expect("required")
        .iter()
        .map(|v| v.as_str().expect("a name"))
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["eventName", "seatCount", "ticketCode", "venue"]);
    let list = &doc["paths"]["/api/events"]["get"];
    let parameters: Vec<&str> = list["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect();
    for name in [
        "eventName",
        "eventName_in",
        "min_seatCount",
        "max_seatCount",
        "venue",
        "ticketCode",
        "min_createdAt",
        "max_createdAt",
        "min_seats_x2",
    ] {
        assert!(parameters.contains(&name), "{name} in {parameters:?}");
    }
    for snake in ["event_name", "min_seat_count", "ticket_code", "venue_code"] {
        assert!(!parameters.contains(&snake), "{snake} in {parameters:?}");
    }
    let sort = list["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "sort")
        .expect("a sort parameter");
    let description = sort["description"].as_str().expect("a description");
    assert!(
        description.contains("id, eventName, seatCount, createdAt, updatedAt"),
        "{description}"
    );
}
