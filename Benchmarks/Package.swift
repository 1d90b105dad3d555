// swift-tools-version:6.1
import PackageDescription

/// Strata's benchmarks: ordo-one/benchmark suites (`swift package --disable-sandbox benchmark`) and
/// `strata-timings`, the Strata side of `peers/compare.py`. A package of its own, so that the main
/// build never compiles the benchmark library.
///
/// The main package is a path dependency. SwiftPM names a path dependency after its folder, and a
/// clone may live in a folder of any name, so the dependency is declared with the explicit name
/// `Strata` that the product references below use.
let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkData",
            dependencies: [.product(name: "StrataFrame", package: "Strata")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "strata-timings",
            dependencies: [
                "BenchmarkData",
                .product(name: "StrataFrame", package: "Strata"),
                .product(name: "StrataKernels", package: "Strata"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "Kernels",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "StrataKernels", package: "Strata"),
            ],
            path: "Benchmarks/Kernels",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Frame",
            dependencies: [
                "BenchmarkData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "StrataFrame", package: "Strata"),
                .product(name: "StrataKernels", package: "Strata"),
            ],
            path: "Benchmarks/Frame",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
