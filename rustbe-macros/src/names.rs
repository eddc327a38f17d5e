//! Naming rules: the default resource name from a table, JSON names after serde's
//! `rename_all`, and the `Column` variant SeaORM makes of a field.

use heck::ToUpperCamelCase;

/// The singular of an English plural table name, by a few suffix rules: `ies` → `y`,
/// `sses` → `ss`, `xes` → `x`, `ches` → `ch`, `shes` → `sh`, then a final `s` is dropped
/// unless the word ends in `ss`.
pub(crate) fn singular(plural: &str) -> String {
    const RULES: [(&str, &str); 5] = [
        ("ies", "y"),
        ("sses", "ss"),
        ("xes", "x"),
        ("ches", "ch"),
        ("shes", "sh"),
    ];
    for (suffix, replacement) in RULES {
        if let Some(stem) = plural.strip_suffix(suffix) {
            return format!("{stem}{replacement}");
        }
    }
    match plural.strip_suffix('s') {
        Some(stem) if !plural.ends_with("ss") => stem.to_owned(),
        _ => plural.to_owned(),
    }
}

/// The default resource name of a table: `order_items` → `OrderItem`.
pub(crate) fn resource_name(table: &str) -> String {
    singular(table).to_upper_camel_case()
}

/// serde's `rename_all` rules, as serde applies them to field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    /// The rules by their serde names.
    pub(crate) const ALL: [(&'static str, Self); 8] = [
        ("lowercase", Self::Lower),
        ("UPPERCASE", Self::Upper),
        ("PascalCase", Self::Pascal),
        ("camelCase", Self::Camel),
        ("snake_case", Self::Snake),
        ("SCREAMING_SNAKE_CASE", Self::ScreamingSnake),
        ("kebab-case", Self::Kebab),
        ("SCREAMING-KEBAB-CASE", Self::ScreamingKebab),
    ];

    /// The rule serde calls `name`.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, rule)| *rule)
    }

    /// The JSON name of a (snake_case) field, exactly as serde computes it.
    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => {
                let mut pascal = String::with_capacity(field.len());
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            Self::Camel => {
                let pascal = Self::Pascal.apply(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// The candidate closest to `given` by edit distance, if it is close enough to be a typo
/// (at most a third of its letters off, and at least one).
pub(crate) fn did_you_mean<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (given.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|candidate| (edit_distance(given, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`? ` for an unknown `given` near one of `candidates`, else nothing: the
/// start of an "unknown key" message at any level of an attribute.
pub(crate) fn hint(given: &str, candidates: &[&str]) -> String {
    did_you_mean(given, candidates)
        .map(|near| format!("did you mean `{near}`? "))
        .unwrap_or_default()
}

/// The word an argument starts with, for a suggestion: its key, else nothing.
pub(crate) fn key_text(arg: &crate::attr::Arg) -> String {
    arg.key().map(ToString::to_string).unwrap_or_default()
}

/// Edit distance by characters, a swap of two neighbours counting as one edit (optimal string
/// alignment): `sotr` is one edit from `sort`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0_usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// A field identifier without its `r#`.
pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(stripped) => stripped.to_owned(),
        None => name,
    }
}

/// The `Column` variant SeaORM's `DeriveEntityModel` makes of a field: `enum_name` if given,
/// else the field's name in UpperCamelCase; escaped as SeaORM escapes it.
pub(crate) fn column_variant(field: &str, enum_name: Option<&str>) -> String {
    const SPECIAL: [&str; 3] = ["crate", "Self", "self"];
    let name = enum_name.map_or_else(|| field.to_upper_camel_case(), str::to_owned);
    if SPECIAL.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        let keys = ["filter", "sort", "search", "read_only"];
        assert_eq!(did_you_mean("filtr", &keys), Some("filter"));
        assert_eq!(did_you_mean("sotr", &keys), Some("sort"));
        assert_eq!(did_you_mean("readonly", &keys), Some("read_only"));
        assert_eq!(did_you_mean("colour", &keys), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("sotr", "sort"), 1);
    }

    #[test]
    fn singulars() {
        let cases = [
            ("products", "Product"),
            ("categories", "Category"),
            ("addresses", "Address"),
            ("order_items", "OrderItem"),
            ("boxes", "Box"),
            ("matches", "Match"),
            ("wishes", "Wish"),
            ("glass", "Glass"),
            ("news_feed", "NewsFeed"),
            ("user", "User"),
        ];
        for (table, name) in cases {
            assert_eq!(resource_name(table), name, "{table}");
        }
    }

    #[test]
    fn rename_rules_match_serde() {
        let cases = [
            ("lowercase", "unit_price"),
            ("UPPERCASE", "UNIT_PRICE"),
            ("PascalCase", "UnitPrice"),
            ("camelCase", "unitPrice"),
            ("snake_case", "unit_price"),
            ("SCREAMING_SNAKE_CASE", "UNIT_PRICE"),
            ("kebab-case", "unit-price"),
            ("SCREAMING-KEBAB-CASE", "UNIT-PRICE"),
        ];
        for (rule, json) in cases {
            let rule = RenameRule::from_name(rule).unwrap();
            assert_eq!(rule.apply("unit_price"), json, "{rule:?}");
        }
        assert_eq!(RenameRule::Camel.apply("id"), "id");
        assert_eq!(RenameRule::from_name("Camel"), None);
    }

    #[test]
    fn column_variants_follow_sea_orm() {
        let raw: syn::Ident = syn::parse_quote!(r#type);
        assert_eq!(unraw(&raw), "type");
        assert_eq!(column_variant("type", None), "Type");
        assert_eq!(column_variant("created_at", None), "CreatedAt");
        assert_eq!(column_variant("self_", None), "Self_");
        assert_eq!(column_variant("kind", Some("Kind2")), "Kind2");
    }
}
