import StrataKernels
import Testing

@testable import CreditScoring

@Suite struct RadixSortTests {
    @Test(arguments: [0, 1, 255, 256, 1000, 70_000])
    func sortsLikeTheStandardLibrary(_ n: Int) {
        var rng = RandomStream(seed: UInt64(n), stream: 4)
        var values = [Double]()
        for i in 0..<n {
            switch i % 5 {
            case 0: values.append((rng.nextNormal() * 1000).rounded())  // ties, negatives
            case 1: values.append(rng.nextNormal() * 1e-300)  // subnormal range
            case 2: values.append(rng.nextUniform() * 1e12)
            case 3: values.append(i % 2 == 0 ? 0.0 : -0.0)
            default: values.append(-rng.nextUniform())
            }
        }
        var radix = values
        RadixSort.sort(&radix)
        var reference = values
        reference.sort()
        #expect(radix.count == reference.count)
        // Equal as numbers; the radix path (n >= 256) also puts -0.0 before +0.0.
        #expect(zip(radix, reference).allSatisfy { $0 == $1 })
        if n >= 256 {
            #expect(zip(radix, radix.dropFirst()).allSatisfy { RadixSort.key($0) <= RadixSort.key($1) })
        }
    }

    @Test func narrowRangeSkipsPassesAndStaysCorrect() {
        var values = (0..<10_000).map { Double(($0 * 7919) % 1000) / 100 }
        var reference = values
        reference.sort()
        RadixSort.sort(&values)
        #expect(values == reference)
    }
}
