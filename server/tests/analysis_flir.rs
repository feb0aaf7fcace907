//! FLIR radiometric JPEGs: a generated image with known temperatures is read back to within a
//! hundredth of a degree (the raw values are whole numbers), camera settings included; the
//! thermography rules then run on measured numbers.

use server::analyses::{
    evaluate,
    flir::{self, Camera},
    TestType, Thresholds, Verdict,
};

fn hot_spot(x: usize, y: usize) -> f64 {
    // 28 °C busbar with a 61.5 °C joint at (5, 4) and a cooler 24 °C corner.
    if (x, y) == (5, 4) {
        61.5
    } else if x < 2 && y < 2 {
        24.0
    } else {
        28.0
    }
}

#[test]
fn temperatures_are_read_back_from_raw_sensor_values() {
    let camera = Camera {
        emissivity: 0.92,
        distance: 2.5,
        reflected: 22.0,
        atmospheric: 23.0,
        humidity: 45.0,
        ..Camera::typical()
    };
    let jpeg = flir::build_jpeg(24, 18, &hot_spot, &camera);
    assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    // Still an ordinary JPEG for every other program.
    assert!(image::load_from_memory(&jpeg).is_ok());
    let t = flir::read(&jpeg).expect("radiometric data");
    assert_eq!((t.width, t.height), (24, 18));
    assert!((t.max() - 61.5).abs() < 0.05, "max {}", t.max());
    assert!((t.min() - 24.0).abs() < 0.05, "min {}", t.min());
    assert!((t.spot() - 28.0).abs() < 0.05, "spot {}", t.spot());
    assert!((t.camera.emissivity - 0.92).abs() < 1e-6);
    assert!((t.camera.reflected - 22.0).abs() < 1e-3);
    assert!((t.camera.humidity - 45.0).abs() < 1e-3);

    let x = t.to_extraction();
    assert_eq!(x.temperatures.max.source.as_deref(), Some("radiometric"));
    assert_eq!(x.temperatures.max.value, Some(61.5));
    assert_eq!(x.temperatures.min.value, Some(24.0));
    assert_eq!(x.temperatures.reflected.value, Some(22.0));
    assert_eq!(x.temperatures.ambient.value, Some(23.0));
    let o = evaluate(TestType::Thermography, &x, &Thresholds::neta());
    let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        ["THM-001"],
        "ΔT 37.5 °C; ambient and reflected within 1 °C"
    );
    assert_eq!(o.verdict, Verdict::Rejected);
    assert!(!o.requires_review);
}

#[test]
fn emissivity_and_reflection_change_the_reading_as_physics_says() {
    // The same raw value reads hotter with a lower emissivity (less of the signal is the object).
    let c = Camera::typical();
    let raw = flir::celsius_to_raw(50.0, &c);
    let low_e = Camera {
        emissivity: 0.7,
        ..c.clone()
    };
    assert!(flir::raw_to_celsius(raw, &low_e) > 50.0);
    // A hotter surrounding reflects more: the object itself is colder.
    let hot_room = Camera {
        reflected: 45.0,
        ..c.clone()
    };
    assert!(flir::raw_to_celsius(raw, &hot_room) < 50.0);
    assert!((flir::raw_to_celsius(raw, &c) - 50.0).abs() < 1e-6);
}

#[test]
fn ordinary_and_damaged_jpegs_are_not_radiometric() {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut plain)
        .encode_image(&img)
        .unwrap();
    assert!(flir::read(&plain).is_none());
    let jpeg = flir::build_jpeg(8, 6, &|_, _| 30.0, &Camera::typical());
    for cut in [10, 100, 400, jpeg.len() / 2] {
        assert!(flir::read(&jpeg[..cut]).is_none(), "cut at {cut}");
    }
    assert!(flir::read(b"not a jpeg").is_none());
}
