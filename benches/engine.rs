//! The engine alone, without the writer: rows of the worksheet per second, so that a slowdown in
//! the arithmetic shows apart from the cost of writing xlsx.

use backprop_sheet::columns::Col;
use backprop_sheet::engine::rows;
use backprop_sheet::template::{self, Overrides};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let (params, _) = template::load(None, &Overrides::default()).expect("the built-in template reads");
    let mut group = c.benchmark_group("engine");
    const ROWS: usize = 10_000;
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("rows of one learning rate", |b| {
        b.iter(|| {
            let last = rows(&params.inputs, black_box(0.5), ROWS, params.inputs.columns().formulas()).last();
            black_box(last.map(|r| r.get(Col::ETotal)))
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
