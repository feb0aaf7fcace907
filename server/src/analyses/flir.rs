//! FLIR radiometric JPEGs: the camera stores its raw 16-bit sensor values and the calibration
//! (Planck constants, emissivity, distance, reflected and atmospheric temperature, humidity) in
//! APP1 segments tagged "FLIR". Read them and convert every pixel to °C with the camera's own
//! model (Planck's law with atmospheric transmission, as FLIR's tools do), so thermography gets
//! measured minimum, maximum and spot temperatures without any AI.
//!
//! Layout (the FFF container, as documented by ExifTool's FLIR module): a header "FFF\0" with
//! the offset and count of a record directory (32-byte entries: type, subtype, version, id,
//! offset, length); record 0x01 is the raw image (width and height at bytes 2 and 4, pixels at
//! byte 32 as 16-bit little- or big-endian values, or a PNG), record 0x20 the camera info (the
//! constants at fixed offsets). Both start with a 16-bit 2 that tells their byte order.

use super::model::{Extraction, Field};

pub const SOURCE: &str = "radiometric";

#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    pub emissivity: f64,
    /// Metres.
    pub distance: f64,
    /// °C.
    pub reflected: f64,
    /// °C.
    pub atmospheric: f64,
    pub ir_window_temperature: f64,
    pub ir_window_transmission: f64,
    /// %.
    pub humidity: f64,
    pub planck_r1: f64,
    pub planck_b: f64,
    pub planck_f: f64,
    pub planck_o: f64,
    pub planck_r2: f64,
    pub alpha1: f64,
    pub alpha2: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub x: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Thermal {
    pub width: usize,
    pub height: usize,
    pub camera: Camera,
    /// °C, row by row.
    pub celsius: Vec<f64>,
}

impl Thermal {
    pub fn max(&self) -> f64 {
        self.celsius.iter().copied().fold(f64::MIN, f64::max)
    }

    pub fn min(&self) -> f64 {
        self.celsius.iter().copied().fold(f64::MAX, f64::min)
    }

    /// The centre pixel (the camera's default spot meter).
    pub fn spot(&self) -> f64 {
        self.celsius[(self.height / 2) * self.width + self.width / 2]
    }

    /// What the image measured, as extraction fields (page 1).
    pub fn to_extraction(&self) -> Extraction {
        let f = |v: f64, unit: &str, k: f64| {
            Field::found((v * 100.0).round() / 100.0, Some(unit), k, SOURCE, 1)
        };
        let mut x = Extraction::default();
        let excerpt = format!(
            "{}×{} radiometric pixels, min {:.1} °C, max {:.1} °C, spot {:.1} °C",
            self.width,
            self.height,
            self.min(),
            self.max(),
            self.spot()
        );
        x.temperatures.max = f(self.max(), "°C", 0.97).with_excerpt(&excerpt);
        x.temperatures.min = f(self.min(), "°C", 0.97).with_excerpt(&excerpt);
        // The camera's settings, as the operator entered them.
        x.temperatures.reflected = f(self.camera.reflected, "°C", 0.9);
        x.temperatures.ambient = f(self.camera.atmospheric, "°C", 0.9);
        x.camera.emissivity = f(self.camera.emissivity, "", 0.9);
        x.camera.emissivity.unit = None;
        x.camera.distance = f(self.camera.distance, "m", 0.9);
        x.camera.humidity = f(self.camera.humidity, "%", 0.9);
        x
    }
}

/// The FFF container from a JPEG's FLIR APP1 segments, in order.
fn fff_from_jpeg(jpeg: &[u8]) -> Option<Vec<u8>> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut parts: Vec<(u8, &[u8])> = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            break; // image data: no metadata after this
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if len < 2 || i + 2 + len > jpeg.len() {
            return None;
        }
        let data = &jpeg[i + 4..i + 2 + len];
        if marker == 0xE1 && data.len() > 8 && data.starts_with(b"FLIR\0") {
            parts.push((data[6], &data[8..]));
        }
        i += 2 + len;
    }
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|(n, _)| *n);
    Some(
        parts
            .into_iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect(),
    )
}

#[derive(Clone, Copy)]
enum Order {
    Big,
    Little,
}

fn u16_at(b: &[u8], at: usize, o: Order) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(match o {
        Order::Big => u16::from_be_bytes(s),
        Order::Little => u16::from_le_bytes(s),
    })
}

fn u32_at(b: &[u8], at: usize, o: Order) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(match o {
        Order::Big => u32::from_be_bytes(s),
        Order::Little => u32::from_le_bytes(s),
    })
}

fn f32_at(b: &[u8], at: usize, o: Order) -> Option<f64> {
    u32_at(b, at, o).map(|v| f32::from_bits(v) as f64)
}

/// A record's byte order from its leading 16-bit 2.
fn record_order(rec: &[u8]) -> Option<Order> {
    match rec.get(0..2)? {
        [0x00, 0x02] => Some(Order::Big),
        [0x02, 0x00] => Some(Order::Little),
        _ => None,
    }
}

fn camera_info(rec: &[u8]) -> Option<Camera> {
    let o = record_order(rec)?;
    let k = |c: f64| c - 273.15;
    let humidity = f32_at(rec, 0x3c, o)?;
    Some(Camera {
        emissivity: f32_at(rec, 0x20, o)?,
        distance: f32_at(rec, 0x24, o)?,
        reflected: k(f32_at(rec, 0x28, o)?),
        atmospheric: k(f32_at(rec, 0x2c, o)?),
        ir_window_temperature: k(f32_at(rec, 0x30, o)?),
        ir_window_transmission: f32_at(rec, 0x34, o)?,
        // Stored as a fraction by most cameras, as a percentage by some.
        humidity: if humidity > 2.0 {
            humidity
        } else {
            humidity * 100.0
        },
        planck_r1: f32_at(rec, 0x58, o)?,
        planck_b: f32_at(rec, 0x5c, o)?,
        planck_f: f32_at(rec, 0x60, o)?,
        alpha1: f32_at(rec, 0x70, o)?,
        alpha2: f32_at(rec, 0x74, o)?,
        beta1: f32_at(rec, 0x78, o)?,
        beta2: f32_at(rec, 0x7c, o)?,
        x: f32_at(rec, 0x80, o)?,
        planck_o: u32_at(rec, 0x308, o)? as i32 as f64,
        planck_r2: f32_at(rec, 0x30c, o)?,
    })
}

/// Raw sensor values of the raw-data record.
fn raw_data(rec: &[u8]) -> Option<(usize, usize, Vec<u16>)> {
    let o = record_order(rec)?;
    let w = u16_at(rec, 2, o)? as usize;
    let h = u16_at(rec, 4, o)? as usize;
    if w == 0 || h == 0 || w > 4096 || h > 4096 {
        return None;
    }
    let data = rec.get(32..)?;
    if data.starts_with(b"\x89PNG") {
        let img = image::load_from_memory_with_format(data, image::ImageFormat::Png).ok()?;
        let luma = img.to_luma16();
        if luma.width() as usize != w || luma.height() as usize != h {
            return None;
        }
        // FLIR writes the PNG's 16-bit samples little-endian: swap them back.
        return Some((w, h, luma.pixels().map(|p| p.0[0].swap_bytes()).collect()));
    }
    let n = w * h;
    let bytes = data.get(..n * 2)?;
    let px = bytes
        .chunks_exact(2)
        .map(|c| match o {
            Order::Big => u16::from_be_bytes([c[0], c[1]]),
            Order::Little => u16::from_le_bytes([c[0], c[1]]),
        })
        .collect();
    Some((w, h, px))
}

/// Reads a radiometric JPEG; None when it is not one (or is damaged).
pub fn read(jpeg: &[u8]) -> Option<Thermal> {
    let fff = fff_from_jpeg(jpeg)?;
    if !fff.starts_with(b"FFF\0") {
        return None;
    }
    // The format version (100) tells the header's byte order.
    let o = if u32_at(&fff, 0x14, Order::Big)? == 100 {
        Order::Big
    } else if u32_at(&fff, 0x14, Order::Little)? == 100 {
        Order::Little
    } else {
        return None;
    };
    let dir = u32_at(&fff, 0x18, o)? as usize;
    let count = (u32_at(&fff, 0x1c, o)? as usize).min(256);
    let (mut raw, mut cam) = (None, None);
    for e in 0..count {
        let at = dir + e * 32;
        let kind = u16_at(&fff, at, o)?;
        let offset = u32_at(&fff, at + 0x0c, o)? as usize;
        let len = u32_at(&fff, at + 0x10, o)? as usize;
        let rec = fff.get(offset..offset.checked_add(len)?)?;
        match kind {
            0x01 => raw = raw_data(rec),
            0x20 => cam = camera_info(rec),
            _ => {}
        }
    }
    let (width, height, px) = raw?;
    let camera = cam?;
    let celsius = px
        .iter()
        .map(|&r| raw_to_celsius(r as f64, &camera))
        .collect::<Vec<_>>();
    if celsius.iter().any(|c| !c.is_finite()) {
        return None;
    }
    Some(Thermal {
        width,
        height,
        camera,
        celsius,
    })
}

/// Atmospheric transmission over the object distance (the camera's two-band model).
fn transmission(c: &Camera) -> f64 {
    let t = c.atmospheric;
    let h2o = (c.humidity / 100.0)
        * (1.5587 + 0.06939 * t - 0.00027816 * t * t + 0.00000068455 * t * t * t).exp();
    let d = (c.distance / 2.0).sqrt();
    c.x * (-d * (c.alpha1 + c.beta1 * h2o.sqrt())).exp()
        + (1.0 - c.x) * (-d * (c.alpha2 + c.beta2 * h2o.sqrt())).exp()
}

/// The raw signal a black body at `celsius` gives.
fn planck_raw(celsius: f64, c: &Camera) -> f64 {
    c.planck_r1 / (c.planck_r2 * ((c.planck_b / (celsius + 273.15)).exp() - c.planck_f))
        - c.planck_o
}

/// What the object alone contributes to a raw reading, after reflection, atmosphere and window.
fn object_raw(raw: f64, c: &Camera) -> f64 {
    let e = c.emissivity.max(0.01);
    let tau = transmission(c);
    let irt = c.ir_window_transmission.clamp(0.01, 1.0);
    let refl = planck_raw(c.reflected, c);
    let atm = planck_raw(c.atmospheric, c);
    let wind = planck_raw(c.ir_window_temperature, c);
    let refl1 = (1.0 - e) / e * refl;
    let atm1 = (1.0 - tau) / e / tau * atm;
    let wind_attn = (1.0 - irt) / e / tau / irt * wind;
    let atm2 = (1.0 - tau) / e / tau / irt / tau * atm;
    raw / e / tau / irt / tau - atm1 - atm2 - wind_attn - refl1
}

pub fn raw_to_celsius(raw: f64, c: &Camera) -> f64 {
    let obj = object_raw(raw, c);
    c.planck_b / (c.planck_r1 / (c.planck_r2 * (obj + c.planck_o)) + c.planck_f).ln() - 273.15
}

/// The raw value a camera with `c` reads for an object at `celsius` (the inverse of
/// `raw_to_celsius`, used to build test images).
pub fn celsius_to_raw(celsius: f64, c: &Camera) -> f64 {
    let e = c.emissivity.max(0.01);
    let tau = transmission(c);
    let irt = c.ir_window_transmission.clamp(0.01, 1.0);
    let refl = planck_raw(c.reflected, c);
    let atm = planck_raw(c.atmospheric, c);
    let wind = planck_raw(c.ir_window_temperature, c);
    let rest = (1.0 - tau) / e / tau * atm
        + (1.0 - tau) / e / tau / irt / tau * atm
        + (1.0 - irt) / e / tau / irt * wind
        + (1.0 - e) / e * refl;
    (planck_raw(celsius, c) + rest) * e * tau * irt * tau
}

/// Builds a small radiometric JPEG (tests and benchmarks): a visible image plus the FFF with a
/// camera-info and a raw-data record, split over two APP1 segments as cameras do.
pub fn build_jpeg(
    width: u16,
    height: u16,
    celsius: &dyn Fn(usize, usize) -> f64,
    c: &Camera,
) -> Vec<u8> {
    let le = |v: f32| v.to_le_bytes();
    let mut cam = vec![0u8; 0x384];
    cam[0..2].copy_from_slice(&2u16.to_le_bytes());
    let put = |buf: &mut Vec<u8>, at: usize, b: [u8; 4]| buf[at..at + 4].copy_from_slice(&b);
    put(&mut cam, 0x20, le(c.emissivity as f32));
    put(&mut cam, 0x24, le(c.distance as f32));
    put(&mut cam, 0x28, le((c.reflected + 273.15) as f32));
    put(&mut cam, 0x2c, le((c.atmospheric + 273.15) as f32));
    put(
        &mut cam,
        0x30,
        le((c.ir_window_temperature + 273.15) as f32),
    );
    put(&mut cam, 0x34, le(c.ir_window_transmission as f32));
    put(&mut cam, 0x3c, le((c.humidity / 100.0) as f32));
    put(&mut cam, 0x58, le(c.planck_r1 as f32));
    put(&mut cam, 0x5c, le(c.planck_b as f32));
    put(&mut cam, 0x60, le(c.planck_f as f32));
    put(&mut cam, 0x70, le(c.alpha1 as f32));
    put(&mut cam, 0x74, le(c.alpha2 as f32));
    put(&mut cam, 0x78, le(c.beta1 as f32));
    put(&mut cam, 0x7c, le(c.beta2 as f32));
    put(&mut cam, 0x80, le(c.x as f32));
    put(&mut cam, 0x308, (c.planck_o as i32).to_le_bytes());
    put(&mut cam, 0x30c, le(c.planck_r2 as f32));
    // The constants as the camera stores them (f32), so the expected values match what is read.
    let stored = camera_info(&cam).expect("own camera record");
    let mut raw = vec![0u8; 32];
    raw[0..2].copy_from_slice(&2u16.to_le_bytes());
    raw[2..4].copy_from_slice(&width.to_le_bytes());
    raw[4..6].copy_from_slice(&height.to_le_bytes());
    for y in 0..height as usize {
        for x in 0..width as usize {
            let r = celsius_to_raw(celsius(x, y), &stored)
                .round()
                .clamp(0.0, 65535.0) as u16;
            raw.extend_from_slice(&r.to_le_bytes());
        }
    }
    let header_len = 0x40;
    let dir_len = 2 * 32;
    let cam_at = header_len + dir_len;
    let raw_at = cam_at + cam.len();
    let mut fff = vec![0u8; header_len];
    fff[0..4].copy_from_slice(b"FFF\0");
    fff[0x14..0x18].copy_from_slice(&100u32.to_be_bytes());
    fff[0x18..0x1c].copy_from_slice(&(header_len as u32).to_be_bytes());
    fff[0x1c..0x20].copy_from_slice(&2u32.to_be_bytes());
    for (kind, at, len) in [(0x20u16, cam_at, cam.len()), (0x01u16, raw_at, raw.len())] {
        let mut e = vec![0u8; 32];
        e[0..2].copy_from_slice(&kind.to_be_bytes());
        e[2..4].copy_from_slice(&2u16.to_be_bytes());
        e[4..8].copy_from_slice(&0x64u32.to_be_bytes());
        e[8..12].copy_from_slice(&1u32.to_be_bytes());
        e[0x0c..0x10].copy_from_slice(&(at as u32).to_be_bytes());
        e[0x10..0x14].copy_from_slice(&(len as u32).to_be_bytes());
        fff.extend_from_slice(&e);
    }
    fff.extend_from_slice(&cam);
    fff.extend_from_slice(&raw);
    // A visible picture (grey levels of the temperatures), JPEG-encoded.
    let (lo, hi) = (0..height as usize)
        .flat_map(|y| (0..width as usize).map(move |x| (x, y)))
        .map(|(x, y)| celsius(x, y))
        .fold((f64::MAX, f64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let img = image::GrayImage::from_fn(width as u32, height as u32, |x, y| {
        let t = celsius(x as usize, y as usize);
        image::Luma([(((t - lo) / (hi - lo).max(1e-9)) * 255.0) as u8])
    });
    let mut visible = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut visible, 85)
        .encode_image(&img)
        .expect("encode jpeg");
    // SOI, the FLIR APP1 segments (split in two), then the rest of the visible JPEG.
    let mut out = vec![0xFF, 0xD8];
    // APP1 segments hold at most 65,533 bytes; always at least two, as cameras write them.
    let size = fff.len().div_ceil(2).min(60_000);
    let chunks: Vec<&[u8]> = fff.chunks(size).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let mut seg = b"FLIR\0".to_vec();
        seg.extend_from_slice(&[0x01, n as u8, (chunks.len() - 1) as u8]);
        seg.extend_from_slice(chunk);
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&seg);
    }
    out.extend_from_slice(&visible[2..]);
    out
}

impl Camera {
    /// Typical constants of a FLIR E-series camera (as ExifTool reports them), for tests.
    pub fn typical() -> Camera {
        Camera {
            emissivity: 0.95,
            distance: 1.0,
            reflected: 20.0,
            atmospheric: 20.0,
            ir_window_temperature: 20.0,
            ir_window_transmission: 1.0,
            humidity: 50.0,
            planck_r1: 21106.77,
            planck_b: 1501.0,
            planck_f: 1.0,
            planck_o: -7340.0,
            planck_r2: 0.012545258,
            alpha1: 0.006569,
            alpha2: 0.01262,
            beta1: -0.002276,
            beta2: -0.00667,
            x: 1.9,
        }
    }
}
