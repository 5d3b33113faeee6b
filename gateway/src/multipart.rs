//! Reading a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec)
//! in the spec's order, each part bounded before the next is read: `operations` (JSON, at most
//! as large as a JSON request), then `map` (at most one entry a file, ten files, one variable
//! each), then the files the map names and nothing else, each streamed to a temporary file
//! under the size limit. A request cannot open more temporary files than the map allows, nor
//! make the server hold more than one chunk of a file in memory.

use std::collections::HashMap;

use async_graphql::{BatchRequest, UploadValue};
use axum::body::Body;
use axum::http::StatusCode;
use kernel::{AppError, Reason};
use orders::service::files::MAX_FILES_PER_REQUEST;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::transport::MAX_BODY_BYTES;

/// The largest `map` part: ten short entries.
const MAX_MAP_BYTES: u64 = 16 * 1024;

type Refusal = (StatusCode, AppError);

fn bad(message: impl Into<String>) -> Refusal {
    (StatusCode::BAD_REQUEST, AppError::bad_input("body", format!("invalid multipart request: {}", message.into())))
}

fn too_large(field: &str, max_file_bytes: u64) -> Refusal {
    match field {
        "operations" | "map" => (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::bad_input("body", format!("the {field} part exceeds its limit"))
                .with_reason(Reason::BodyTooLarge),
        ),
        _ => (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::bad_input("files", format!("a file is larger than {} MiB", max_file_bytes / (1024 * 1024)))
                .with_reason(Reason::FileTooLarge),
        ),
    }
}

fn refusal(error: multer::Error, max_file_bytes: u64) -> Refusal {
    match error {
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            too_large(field_name.as_deref().unwrap_or("files"), max_file_bytes)
        }
        multer::Error::StreamSizeExceeded { .. } => too_large("files", max_file_bytes),
        other => bad(other.to_string()),
    }
}

/// The operations of a multipart request whose `Content-Type` is `content_type`, with its files
/// set as their variables.
pub async fn read(content_type: &str, body: Body, max_file_bytes: u64) -> Result<BatchRequest, Refusal> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| bad(e.to_string()))?;
    let max_files = u64::try_from(MAX_FILES_PER_REQUEST).unwrap_or(u64::MAX);
    let limits = multer::SizeLimit::new()
        .whole_stream((MAX_BODY_BYTES as u64 + MAX_MAP_BYTES).saturating_add(max_file_bytes.saturating_mul(max_files)))
        .for_field("operations", MAX_BODY_BYTES as u64)
        .for_field("map", MAX_MAP_BYTES)
        .per_field(max_file_bytes);
    let mut parts = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let refuse = |e| refusal(e, max_file_bytes);

    let mut next_named = async |name: &str| {
        let field = parts.next_field().await.map_err(refuse)?.ok_or_else(|| bad(format!("no {name} part")))?;
        if field.name() != Some(name) {
            return Err(bad(format!("the {name} part must come first")));
        }
        field.bytes().await.map_err(refuse)
    };
    let operations = next_named("operations").await?;
    let map = next_named("map").await?;
    let mut batch: BatchRequest = serde_json::from_slice(&operations).map_err(|e| bad(format!("operations: {e}")))?;
    let mut map: HashMap<String, Vec<String>> = serde_json::from_slice(&map).map_err(|e| bad(format!("map: {e}")))?;
    if map.len() > MAX_FILES_PER_REQUEST {
        return Err((
            StatusCode::BAD_REQUEST,
            AppError::bad_input("files", format!("at most {MAX_FILES_PER_REQUEST} files at once"))
                .with_reason(Reason::TooManyFiles),
        ));
    }
    if map.values().any(|paths| paths.len() != 1) {
        return Err(bad("each file goes in exactly one variable"));
    }

    while let Some(mut field) = parts.next_field().await.map_err(refuse)? {
        let name = field.name().unwrap_or_default().to_owned();
        // a part the map does not name (or names twice) is refused before anything is spooled
        let Some(path) = map.remove(&name).and_then(|paths| paths.into_iter().next()) else {
            return Err(bad(format!("the part {name:?} is not a file of the map")));
        };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let spool = tempfile::tempfile().map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e)))?;
        let mut spool = tokio::fs::File::from_std(spool);
        let failed = |e: std::io::Error| (StatusCode::INTERNAL_SERVER_ERROR, AppError::internal(e));
        while let Some(chunk) = field.chunk().await.map_err(refuse)? {
            spool.write_all(&chunk).await.map_err(failed)?;
        }
        spool.flush().await.map_err(failed)?;
        spool.rewind().await.map_err(failed)?;
        let upload = UploadValue { filename, content_type, content: spool.into_std().await };
        match &mut batch {
            BatchRequest::Single(request) => request.set_upload(&path, upload),
            BatchRequest::Batch(requests) => {
                let (index, path) = path.split_once('.').ok_or_else(|| bad(format!("{path} names no operation")))?;
                let request = index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| requests.get_mut(i))
                    .ok_or_else(|| bad(format!("{index} is not an operation of the batch")))?;
                request.set_upload(path, upload);
            }
        }
    }
    if let Some(name) = map.keys().next() {
        return Err(bad(format!("the file {name:?} of the map was not sent")));
    }
    Ok(batch)
}
