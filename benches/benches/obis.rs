//! `obis` benches: parsing the text forms and printing the canonical form.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use obis::ObisCode;

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("obis/parse");
    for (id, text) in [
        ("canonical", "1-0:2.8.1*255"),
        ("all_dots", "1.0.2.8.1.255"),
        ("hex", "0100020801FF"),
        ("reduced", "1.8.1*01"),
    ] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(id, |b| b.iter(|| black_box(text).parse::<ObisCode>()));
    }
    g.finish();
}

fn display(c: &mut Criterion) {
    let mut g = c.benchmark_group("obis/display");
    g.throughput(Throughput::Elements(1));
    let code = ObisCode::new(1, 0, 2, 8, 1, 255);
    let mut buf = String::with_capacity(32);
    g.bench_function("canonical", |b| {
        b.iter(|| {
            use std::fmt::Write;
            buf.clear();
            write!(buf, "{}", black_box(code)).ok();
            buf.len()
        })
    });
    g.finish();
}

criterion_group!(benches, parse, display);
criterion_main!(benches);
