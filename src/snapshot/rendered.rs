//! [`Rendered`]: a response body with its ETag and gzipped copy, made once and served many
//! times.

use bytes::Bytes;
use std::hash::{Hash, Hasher};

/// A rendered body with its ETag, and the same body gzipped once, so a browser's request
/// costs no compression.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// The bytes served.
    pub body: Bytes,
    /// `body` gzipped (empty if compression failed).
    pub gzip: Bytes,
    /// Strong ETag, quoted.
    pub etag: String,
}

impl Rendered {
    /// `body` with an ETag from its hash and its gzipped copy.
    pub fn new(body: Vec<u8>) -> Self {
        Rendered {
            etag: etag(&body),
            gzip: Bytes::from(gzip(&body).unwrap_or_default()),
            body: Bytes::from(body),
        }
    }

    /// `body` with its ETag and no gzipped copy: a body rendered for one request, which the
    /// Compress middleware encodes if the client asks.
    pub fn uncompressed(body: Vec<u8>) -> Self {
        Rendered {
            etag: etag(&body),
            gzip: Bytes::new(),
            body: Bytes::from(body),
        }
    }
}

/// A strong ETag (quoted) from the hash of `body`.
fn etag(body: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body)?;
    encoder.finish()
}
