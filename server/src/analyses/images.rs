//! Uploaded photos: decoded under size limits (a small file that claims to be 100,000 pixels
//! square is refused, not allocated), downscaled so the longer side is at most `max_side`, and
//! re-encoded as PNG for the detail page and the AI providers.

use std::io::Cursor;

use image::{imageops::FilterType, ImageFormat, ImageReader, Limits};

/// Largest accepted image side before downscaling, pixels.
const MAX_SIDE: u32 = 20_000;

pub fn page_png(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "The image could not be read.".to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 << 20);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            format!("The image is larger than {MAX_SIDE} pixels on a side.")
        }
        _ => "The image is damaged or not a PNG/JPEG.".to_string(),
    })?;
    let img = if img.width().max(img.height()) > max_side {
        img.resize(max_side, max_side, FilterType::Triangle)
    } else {
        img
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|_| "The image could not be converted.".to_string())?;
    Ok(out.into_inner())
}
