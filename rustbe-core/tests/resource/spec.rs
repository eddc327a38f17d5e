//! The OpenAPI document of the generated routes, checked as JSON.

use rustbe_core::resource::openapi;
use serde_json::{Value, json};

use super::entities::{entry, note, product};

fn parameter_names(operation: &Value) -> Vec<String> {
    operation["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_document_names_every_route_parameter_and_schema() {
    let doc = serde_json::to_value(openapi::<product::Model>("/api")).expect("JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let mut routes: Vec<_> = paths.keys().cloned().collect();
    routes.sort();
    assert_eq!(routes, ["/api/products", "/api/products/{id}"]);
    let list = &doc["paths"]["/api/products"]["get"];
    assert_eq!(
        parameter_names(list),
        [
            "page",
            "limit",
            "offset",
            "sort",
            "order",
            "q",
            "name",
            "name_in",
            "min_price",
            "max_price",
            "category",
            "category_in",
            "min_stock",
            "max_stock",
            "sku"
        ]
    );
    assert!(
        list["parameters"][3]["description"]
            .as_str()
            .expect("a description")
            .contains("name, price, stock, created_at")
    );
    assert_eq!(list["tags"], json!(["products"]));
    // Public reads have no security requirement; admin writes do.
    assert!(list.get("security").is_none());
    let create = &doc["paths"]["/api/products"]["post"];
    assert_eq!(create["security"], json!([{"bearer_auth": []}]));
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ProductCreate"
    );
    let mut statuses: Vec<_> = create["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .cloned()
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["201", "400", "401", "403", "409", "415", "503"]);
    assert_eq!(
        create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorEnvelope"
    );
    assert!(create["responses"]["201"]["headers"]["Location"].is_object());
    let item = &doc["paths"]["/api/products/{id}"];
    for method in ["get", "put", "patch", "delete"] {
        assert_eq!(item[method]["parameters"][0]["name"], "id", "{method}");
        assert_eq!(
            item[method]["parameters"][0]["schema"]["format"], "uuid",
            "{method}"
        );
    }
    assert!(item["get"]["responses"]["304"].is_object());
    assert!(item["put"]["responses"]["412"].is_object());
    assert_eq!(
        item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
            ["$ref"],
        "#/components/schemas/Product"
    );

    let schemas = &doc["components"]["schemas"];
    let view = &schemas["Product"];
    let mut fields: Vec<_> = view["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "category",
            "created_at",
            "description",
            "id",
            "name",
            "price",
            "sku",
            "stock",
            "updated_at"
        ]
    );
    assert_eq!(view["properties"]["id"]["readOnly"], true);
    assert_eq!(
        view["properties"]["description"]["type"],
        json!(["string", "null"])
    );
    let create = &schemas["ProductCreate"];
    let mut required: Vec<_> = create["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["category", "name", "price", "sku", "stock"]);
    assert_eq!(create["properties"]["name"]["minLength"], 1);
    assert_eq!(create["properties"]["name"]["maxLength"], 100);
    assert_eq!(create["properties"]["price"]["minimum"], 0.01);
    assert_eq!(
        create["properties"]["category"]["enum"],
        json!(["shoes", "hats", "bags"])
    );
    assert!(create["properties"].get("supplier").is_none());
    assert!(create["properties"].get("id").is_none());
    assert!(schemas["ProductPatch"].get("required").is_none());
    assert!(schemas["ProductReplace"]["properties"]["sku"].is_object());
    assert_eq!(create["properties"]["price"]["multipleOf"], 0.01);
    let q = doc["paths"]["/api/products"]["get"]["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "q"))
        .expect("q");
    assert_eq!(q["schema"]["maxLength"], 200);
    assert_eq!(
        create["properties"]["sku"]["pattern"],
        "^[A-Z]+(-[A-Z0-9]+)?$"
    );
}

#[test]
fn owner_cursor_and_nested_routes_in_the_document() {
    let doc = serde_json::to_value(openapi::<note::Model>("/api")).expect("JSON");
    let nested = &doc["paths"]["/api/users/{user_id}/notes"]["get"];
    assert_eq!(parameter_names(nested)[0], "user_id");
    // The parent parameter has the owner field's type (a string here, `format: uuid` for a
    // UUID owner), without the field's `readOnly`.
    assert_eq!(nested["parameters"][0]["schema"], json!({"type": "string"}));
    assert!(nested["responses"]["404"].is_object());
    assert_eq!(
        doc["paths"]["/api/notes"]["get"]["security"],
        json!([{"bearer_auth": []}])
    );
    assert_eq!(
        doc["paths"]["/api/notes/{id}"]["get"]["parameters"][0]["schema"]["type"],
        "integer"
    );

    let doc = serde_json::to_value(openapi::<entry::Model>("/api")).expect("JSON");
    let list = &doc["paths"]["/api/entries"]["get"];
    assert_eq!(parameter_names(list)[..2], ["cursor", "limit"]);
    assert!(list["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["pagination"]["properties"]["next_cursor"].is_object());
    let item = doc["paths"]["/api/entries/{id}"]
        .as_object()
        .expect("item routes");
    let mut methods: Vec<_> = item.keys().cloned().collect();
    methods.sort();
    assert_eq!(methods, ["get", "patch"]);
}

/// With `OPENAPI_OUT` set, writes the app's whole document (base, envelope schemas and the
/// four resources) there, for `scripts/validate-openapi.sh` to check against the OpenAPI 3.1
/// schema.
#[test]
fn the_merged_document_is_written_for_validation() {
    let mut doc = rustbe_core::app::base_openapi("resource-tests", "1.0.0");
    doc.merge(openapi::<product::Model>("/api"));
    doc.merge(openapi::<note::Model>("/api"));
    doc.merge(openapi::<super::entities::tag::Model>("/api"));
    doc.merge(openapi::<entry::Model>("/api"));
    let json = serde_json::to_value(&doc).expect("JSON");
    assert_eq!(json["openapi"], "3.1.0");
    assert!(json["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert!(json["components"]["schemas"]["PageMeta"].is_object());
    assert_eq!(json["paths"].as_object().map(|p| p.len()), Some(12));
    if let Ok(path) = std::env::var("OPENAPI_OUT") {
        std::fs::write(&path, serde_json::to_vec_pretty(&json).expect("JSON"))
            .expect("write the document");
    }
}
