//! `multipart/form-data` for the back office's uploads, read with the `multer` crate, and
//! the check that an upload is an image. The whole body is read first (with the upload
//! size limit), so a truncated upload — no closing boundary — is an error and nothing is
//! stored.

use bytes::Bytes;
use http_body_util::{BodyDataStream, Full};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MultipartError {
    #[error("the upload is incomplete (it was cut off)")]
    Truncated,
    #[error("a part has malformed headers")]
    BadPart,
}

/// The boundary of a `multipart/form-data; boundary=…` content type (at most 200 bytes).
pub fn boundary(content_type: &str) -> Option<String> {
    multer::parse_boundary(content_type)
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Splits a body that was read whole into its parts. A body without its closing boundary
/// is `Truncated`; a part without a name, or with headers that do not parse, is `BadPart`.
pub async fn parse(body: Bytes, boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let stream = BodyDataStream::new(Full::new(body));
    let mut m = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = m.next_field().await.map_err(MultipartError::from)? {
        let name = field.name().ok_or(MultipartError::BadPart)?.to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(|m| m.to_string());
        let data = field.bytes().await.map_err(MultipartError::from)?.to_vec();
        parts.push(Part {
            name,
            filename,
            content_type,
            data,
        });
    }
    Ok(parts)
}

impl From<multer::Error> for MultipartError {
    fn from(e: multer::Error) -> Self {
        match e {
            multer::Error::IncompleteStream
            | multer::Error::IncompleteFieldData { .. }
            | multer::Error::IncompleteHeaders => MultipartError::Truncated,
            _ => MultipartError::BadPart,
        }
    }
}

/// The image type of uploaded bytes, by their magic number (SVG is refused: it can carry script).
pub fn image_type(data: &[u8]) -> Option<&'static str> {
    match data {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some("image/png"),
        [0xff, 0xd8, 0xff, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n..\r\n--XyZ--\r\n";

    fn parse_now(body: &[u8]) -> Result<Vec<Part>, MultipartError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(parse(Bytes::copy_from_slice(body), "XyZ"))
    }

    #[test]
    fn parses_fields_and_files() {
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        let parts = parse_now(BODY).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("a.png"));
        assert_eq!(image_type(&parts[1].data), Some("image/png"));
    }

    #[test]
    fn truncated_uploads_are_errors() {
        for n in 0..BODY.len() - 4 {
            assert_eq!(
                parse_now(&BODY[..n]),
                Err(MultipartError::Truncated),
                "cut at {n}"
            );
        }
    }

    #[test]
    fn a_part_without_a_name_is_malformed() {
        let body = b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--\r\n";
        assert_eq!(parse_now(body), Err(MultipartError::BadPart));
    }
}
