/// Small dense linear algebra for the estimators.
enum LinearAlgebra {
    /// Solves `a x = b` by Gaussian elimination with partial pivoting; `nil` if singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a
        var v = b
        for col in 0..<n {
            var pivot = col
            for row in (col + 1)..<max(n, col + 1) where abs(m[row][col]) > abs(m[pivot][col]) { pivot = row }
            guard m[pivot][col] != 0, m[pivot][col].isFinite else { return nil }
            if pivot != col {
                m.swapAt(pivot, col)
                v.swapAt(pivot, col)
            }
            for row in (col + 1)..<max(n, col + 1) {
                let f = m[row][col] / m[col][col]
                if f == 0 { continue }
                for c in col..<n { m[row][c] -= f * m[col][c] }
                v[row] -= f * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = v[row]
            for c in (row + 1)..<max(n, row + 1) { s -= m[row][c] * x[c] }
            x[row] = s / m[row][row]
        }
        return x
    }
}
