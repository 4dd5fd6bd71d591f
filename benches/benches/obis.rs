//! `obis` benches: parsing the text forms, printing, describing, registry lookups and pattern
//! matching.
use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use obis::{ObisCode, Pattern, registry};

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("obis/parse");
    g.throughput(Throughput::Elements(1));
    for (id, text) in [
        ("canonical", "1-0:2.8.1*255"),
        ("all_dots", "1.0.2.8.1.255"),
        ("hex", "0100020801FF"),
        ("reduced", "1.8.1*01"),
    ] {
        g.bench_function(id, |b| b.iter(|| black_box(text).parse::<ObisCode>()));
    }
    g.finish();
}

fn display(c: &mut Criterion) {
    let mut g = c.benchmark_group("obis/display");
    g.throughput(Throughput::Elements(1));
    let code = ObisCode::new(1, 0, 2, 8, 1, 255);
    let mut buf = String::with_capacity(128);
    g.bench_function("canonical", |b| {
        b.iter(|| {
            buf.clear();
            write!(buf, "{}", black_box(code)).ok();
            buf.len()
        })
    });
    g.bench_function("describe", |b| {
        b.iter(|| {
            buf.clear();
            write!(buf, "{}", black_box(code).describe()).ok();
            buf.len()
        })
    });
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("obis/registry");
    g.throughput(Throughput::Elements(1));
    let code = ObisCode::new(1, 0, 72, 7, 0, 255);
    g.bench_function("by_code", |b| b.iter(|| registry::by_code(black_box(code))));
    g.bench_function("by_name", |b| {
        b.iter(|| registry::by_name(black_box("voltage_l3")))
    });
    g.finish();

    let mut g = c.benchmark_group("obis/pattern");
    let pattern: Pattern = "1-0:1..4,9,10.8.0..4.*".parse().unwrap();
    let codes: Vec<ObisCode> = registry::all().iter().map(|o| o.code).collect();
    g.throughput(Throughput::Elements(codes.len() as u64));
    g.bench_function("match_registry", |b| {
        b.iter(|| {
            codes
                .iter()
                .filter(|c| black_box(&pattern).matches(**c))
                .count()
        })
    });
    g.bench_function("compile", |b| {
        b.iter(|| black_box("1-0:1..4,9,10.8.0..4.*").parse::<Pattern>())
    });
    g.finish();
}

criterion_group!(benches, parse, display, lookup);
criterion_main!(benches);
