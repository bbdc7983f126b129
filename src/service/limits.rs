//! What one request may cost: body size, vertices per geometry, projects per batch and
//! evaluation time. Every limit is checked before the work it bounds and answered with a JSON
//! error (see `docs/service.md`).

use std::time::Duration;

use serde_json::Value;

use super::errors::ApiError;

/// Default vertex limit of the service, below the project parser's own cap
/// ([`crate::eval::project::MAX_VERTICES`], 100,000): evaluation time grows faster than linearly
/// with the vertices of a polygon (measured, release build: 10,000 vertices 1.0 s, 20,000
/// 3.2 s), and an evaluation that overruns its time limit still holds its slot until it ends.
pub const DEFAULT_MAX_VERTICES: usize = 20_000;

/// The limits of one service instance (command-line flags of `zonecheck serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, bytes (413 `E-BODY-TOO-LARGE`).
    pub max_body_bytes: usize,
    /// Most vertices in one project's `location` (413 `E-TOO-MANY-VERTICES`); the project
    /// parser's own cap ([`crate::eval::project::MAX_VERTICES`]) applies as well.
    pub max_vertices: usize,
    /// Most projects in one batch (413 `E-BATCH-TOO-LARGE`).
    pub max_batch: usize,
    /// Longest time one project may take, from the request's turn to evaluate (waiting for a
    /// free evaluation slot included) to its report (503 `E-EVAL-TIMEOUT`).
    pub eval_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 * 1024 * 1024,
            max_vertices: DEFAULT_MAX_VERTICES,
            max_batch: 100,
            eval_timeout: Duration::from_secs(10),
        }
    }
}

/// Counts the positions in a project's location without building anything: in GeoJSON, a
/// position is an array whose first element is a number (arrays nested deeper than GeoJSON
/// allows are not descended into: the project parser rejects them anyway); in WKT text, an upper
/// bound — every position but the first of each list is preceded by a comma, and every list
/// opens with a parenthesis.
pub fn count_vertices(project: &Value) -> usize {
    if let Some(Value::String(wkt)) = project.get("location") {
        return wkt.bytes().filter(|b| *b == b',' || *b == b'(').count() + 1;
    }
    fn walk(v: &Value, depth: usize) -> usize {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
            Value::Array(items) if depth < 4 => items.iter().map(|i| walk(i, depth + 1)).sum(),
            _ => 0,
        }
    }
    project
        .get("location")
        .and_then(|l| l.get("coordinates"))
        .map_or(0, |c| walk(c, 0))
}

/// Rejects a project whose geometry has more vertices than the limit, before any parsing or
/// evaluation of it.
///
/// # Errors
/// [`ApiError`] 413 `E-TOO-MANY-VERTICES`.
pub fn check_vertices(project: &Value, limits: &Limits) -> Result<(), ApiError> {
    let n = count_vertices(project);
    if n > limits.max_vertices {
        return Err(ApiError::too_many_vertices(n, limits.max_vertices));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_locations_are_counted_too() {
        let p = serde_json::json!({"location": "POLYGON ((1 2, 3 4, 5 6, 1 2))"});
        assert!(count_vertices(&p) >= 4);
        let p = serde_json::json!({"location": "POINT (118.78 32.04)"});
        assert!(count_vertices(&p) >= 1);
    }

    #[test]
    fn counts_positions_of_every_geometry_type() {
        let p =
            |g: &str| -> Value { serde_json::from_str(&format!("{{\"location\": {g}}}")).unwrap() };
        assert_eq!(
            count_vertices(&p(r#"{"type":"Point","coordinates":[1,2]}"#)),
            1
        );
        assert_eq!(
            count_vertices(&p(
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0],[0,0]]]}"#
            )),
            7
        );
        assert_eq!(
            count_vertices(&p(
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#
            )),
            4
        );
        assert_eq!(count_vertices(&serde_json::json!({"name": "x"})), 0);
    }
}
