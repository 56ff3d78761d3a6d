//! Xero's OpenAPI 3.0 specifications as JSON Schema (2020-12) for boon: `nullable: true` becomes
//! a `null` alternative, and `#/components/schemas/X` references become `#/$defs/X`. Each
//! response schema of each operation is registered so that an answer can be checked against
//! exactly what the specification promises for its path, method and status.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};

pub struct OpenApi {
    name: String,
    schemas: boon::Schemas,
    compiler: boon::Compiler,
    /// `(path, method, status)` → the `$defs` entry holding that response's schema.
    responses: HashMap<(String, String, u16), String>,
    compiled: HashMap<String, boon::SchemaIndex>,
}

/// One of the specifications in `../shared/xero/`.
pub fn load(file: &str) -> OpenApi {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/xero").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let spec: Value = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    OpenApi::new(file, &spec)
}

impl OpenApi {
    pub fn new(name: &str, spec: &Value) -> OpenApi {
        let mut defs: Map<String, Value> = spec["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect())
            .unwrap_or_default();
        let mut responses = HashMap::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    let Ok(status) = status.parse::<u16>() else { continue };
                    let response = follow(spec, response);
                    let Some(schema) = response.pointer("/content/application~1json/schema") else { continue };
                    let key = format!("response-{}", responses.len());
                    defs.insert(key.clone(), to_json_schema(schema));
                    responses.insert((path.to_lowercase(), method.to_lowercase(), status), key);
                }
            }
        }
        let document = json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs });
        let mut compiler = boon::Compiler::new();
        compiler.add_resource(&format!("urn:{name}"), document).expect("the converted specification is a schema");
        OpenApi { name: name.to_string(), schemas: boon::Schemas::new(), compiler, responses, compiled: HashMap::new() }
    }

    fn index(&mut self, def: &str) -> boon::SchemaIndex {
        if let Some(&index) = self.compiled.get(def) {
            return index;
        }
        let location = format!("urn:{}#/$defs/{def}", self.name);
        let index = self.compiler.compile(&location, &mut self.schemas).unwrap_or_else(|e| panic!("{location}: {e:#}"));
        self.compiled.insert(def.to_string(), index);
        index
    }

    /// Checks `body` against the schema the specification gives for this answer.
    pub fn check_response(&mut self, path: &str, method: &str, status: u16, body: &Value) -> Result<(), String> {
        let key = (path.to_lowercase(), method.to_lowercase(), status);
        let def =
            self.responses.get(&key).cloned().unwrap_or_else(|| panic!("{} has no schema for {key:?}", self.name));
        self.check(&def, body)
    }

    /// Checks `body` against a named component schema.
    pub fn check(&mut self, def: &str, body: &Value) -> Result<(), String> {
        let index = self.index(def);
        self.schemas.validate(body, index).map_err(|error| format!("{error:#}"))
    }
}

/// A response given as `$ref: '#/components/responses/X'`, followed.
fn follow<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => spec.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

/// OpenAPI 3.0's schema dialect, rewritten as JSON Schema 2020-12.
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(fields) => {
            let mut out: Map<String, Value> = Map::new();
            for (key, value) in fields {
                let value = match key.as_str() {
                    // Examples and vendor extensions are not constraints.
                    "example" | "examples" => continue,
                    k if k.starts_with("x-") => continue,
                    "$ref" => {
                        Value::String(value.as_str().unwrap_or_default().replace("#/components/schemas/", "#/$defs/"))
                    }
                    "properties" | "patternProperties" => Value::Object(
                        value.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), to_json_schema(v))).collect(),
                    ),
                    "enum" | "required" | "const" | "default" => value.clone(),
                    _ => to_json_schema(value),
                };
                out.insert(key.clone(), value);
            }
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return allow_null(out);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// `nullable: true`: the schema, or null.
fn allow_null(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) if !schema.contains_key("$ref") => {
            schema.insert("type".into(), json!([kind, "null"]));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

#[test]
fn nullable_becomes_a_null_alternative() {
    let converted = to_json_schema(&json!({
        "type": "object",
        "properties": {
            "Name": { "type": "string", "nullable": true, "example": "x" },
            "Status": { "type": "string", "enum": ["A", "B"], "nullable": true },
            "Contact": { "$ref": "#/components/schemas/Contact", "nullable": true },
            "Total": { "type": "number", "format": "double", "x-is-money": true }
        }
    }));
    assert_eq!(
        converted,
        json!({
            "type": "object",
            "properties": {
                "Name": { "type": ["string", "null"] },
                "Status": { "type": ["string", "null"], "enum": ["A", "B", null] },
                "Contact": { "anyOf": [{ "$ref": "#/$defs/Contact" }, { "type": "null" }] },
                "Total": { "type": "number", "format": "double" }
            }
        })
    );
    let spec = json!({
        "components": { "schemas": {
            "Contact": { "type": "object", "properties": { "Name": { "type": "string", "nullable": true } } },
            "Holder": { "type": "object", "properties": { "Contact": { "$ref": "#/components/schemas/Contact", "nullable": true } } }
        } },
        "paths": {}
    });
    let mut api = OpenApi::new("unit", &spec);
    assert!(api.check("Holder", &json!({ "Contact": null })).is_ok());
    assert!(api.check("Holder", &json!({ "Contact": { "Name": null } })).is_ok());
    assert!(api.check("Holder", &json!({ "Contact": { "Name": 3 } })).is_err());
}
