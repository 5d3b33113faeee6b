use serde_json::json;
use tests::{TestApp, code, field};
