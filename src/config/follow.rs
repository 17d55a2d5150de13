//! `[wechat] follow_qr_image`: the Official Account's QR code, read once when the config is
//! loaded and served at `/follow-qr` (the order page offers it to shoppers WeChat would not
//! message).

use super::FollowQr;

/// The largest image accepted (a QR code is far smaller).
const MAX: usize = 2 * 1024 * 1024;

/// Reads the image at `path` (PNG, JPEG, GIF or WebP); the problem in words otherwise.
pub(super) fn read(path: Option<String>) -> Result<Option<FollowQr>, String> {
    let Some(path) = path.filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    let data = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let content_type = match data.as_slice() {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
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
        ] => "image/webp",
        _ => return Err(format!("{path} is not a PNG, JPEG, GIF or WebP image")),
    };
    if data.len() > MAX {
        return Err(format!("{path} is larger than 2 MB"));
    }
    Ok(Some(FollowQr {
        data: std::sync::Arc::new(data),
        content_type,
    }))
}
