import StrataKernels
import Testing

@Suite("Matrix")
struct MatrixTests {
    @Test func rowMajorLayoutAndSubscript() {
        var m = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m[0, 2] == 3)
        #expect(m[1, 0] == 4)
        m[1, 2] = 60
        #expect(m.values == [1, 2, 3, 4, 5, 60])
        #expect(Matrix([[1, 2, 3], [4, 5, 60]]) == m)
    }

    @Test func repeatingAndIdentity() {
        #expect(Matrix(rows: 2, columns: 2, repeating: 7).values == [7, 7, 7, 7])
        #expect(Matrix.identity(3).values == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Matrix.identity(0).values.isEmpty)
    }

    @Test(arguments: [(1, 1), (2, 3), (3, 2), (0, 4), (5, 5)])
    func transposeSwapsIndices(rows: Int, columns: Int) {
        let m = randomMatrix(rows, columns, stream: 1)
        let t = m.transposed
        #expect(t.rows == columns && t.columns == rows)
        for i in 0..<rows {
            for j in 0..<columns { #expect(t[j, i] == m[i, j]) }
        }
        #expect(t.transposed == m)
    }

    @Test func emptyRowListIsZeroByZero() {
        let m = Matrix([])
        #expect(m.rows == 0 && m.columns == 0)
    }
}
