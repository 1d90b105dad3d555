// swift-tools-version:6.1
import PackageDescription

/// Strata: portfolio analytics for bank credit. The layers and their one-way dependencies are
/// described in docs/architecture.md.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataKernels", targets: ["StrataKernels"]),
        .library(name: "StrataFrame", targets: ["StrataFrame"]),
        .library(name: "StrataReports", targets: ["StrataReports"]),
        .library(name: "CreditScoring", targets: ["CreditScoring"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "PortfolioRisk", targets: ["PortfolioRisk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkg-config"])]
        ),
        .target(name: "StrataKernels", dependencies: ["COpenBLAS"], swiftSettings: strictSettings),
        .target(name: "StrataFrame", dependencies: ["StrataKernels"], swiftSettings: strictSettings),
        .target(name: "StrataReports", dependencies: ["StrataFrame", "StrataKernels"], swiftSettings: strictSettings),
        .target(
            name: "CreditScoring", dependencies: ["StrataFrame", "StrataKernels"], swiftSettings: strictSettings),
        .target(
            name: "Segmentation", dependencies: ["StrataFrame", "StrataKernels"], swiftSettings: strictSettings),
        .target(
            name: "PortfolioRisk",
            dependencies: ["StrataFrame", "StrataKernels", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataKernels", "StrataFrame", "StrataReports", "CreditScoring", "Segmentation", "PortfolioRisk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StrataTestSupport",
            dependencies: ["StrataFrame"],
            path: "Tests/StrataTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataKernelsTests",
            dependencies: ["StrataKernels"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataFrameTests",
            dependencies: ["StrataFrame", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataReportsTests",
            dependencies: ["StrataReports", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CreditScoringTests",
            dependencies: ["CreditScoring", "StrataTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SegmentationTests",
            dependencies: ["Segmentation", "StrataTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PortfolioRiskTests",
            dependencies: ["PortfolioRisk", "StrataTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "strataTests",
            dependencies: ["StrataTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
