extension String {
    /// The string padded on the left to `width` characters.
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    /// The string with every `-` replaced by `.` (`2026-11-24` -> `2026.11.24`).
    func replacingDashes() -> String { String(map { $0 == "-" ? "." : $0 }) }
}
