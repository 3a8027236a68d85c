/// A small line chart as standalone SVG (no scripts, no external fonts): renders on GitHub and in browsers.
struct SVGChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var series: [(name: String, points: [(Double, Double)])]
    /// A highlighted point (the tuned threshold).
    var marker: (Double, Double)?
    /// Other models as single labeled points (the static baseline, the stable bundle).
    var others: [(label: String, point: (Double, Double))] = []

    let width = 640.0
    let height = 400.0
    let left = 64.0
    let right = 24.0
    let top = 40.0
    let bottom = 56.0

    func x(_ v: Double) -> Double {
        let t =
            (min(max(v, xRange.lowerBound), xRange.upperBound) - xRange.lowerBound)
            / (xRange.upperBound - xRange.lowerBound)
        return left + t * (width - left - right)
    }

    func y(_ v: Double) -> Double {
        let t =
            (min(max(v, yRange.lowerBound), yRange.upperBound) - yRange.lowerBound)
            / (yRange.upperBound - yRange.lowerBound)
        return height - bottom - t * (height - top - bottom)
    }

    var svg: String {
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(n(width / 2))" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

            """
        for i in 0...4 {
            let fx = xRange.lowerBound + Double(i) / 4 * (xRange.upperBound - xRange.lowerBound)
            let fy = yRange.lowerBound + Double(i) / 4 * (yRange.upperBound - yRange.lowerBound)
            s += """
                <line x1="\(n(x(fx)))" y1="\(n(top))" x2="\(n(x(fx)))" y2="\(n(height - bottom))" stroke="#e5e5e5"/>
                <line x1="\(n(left))" y1="\(n(y(fy)))" x2="\(n(width - right))" y2="\(n(y(fy)))" stroke="#e5e5e5"/>
                <text x="\(n(x(fx)))" y="\(n(height - bottom + 16))" text-anchor="middle">\(fixed(fx, 2))</text>
                <text x="\(n(left - 6))" y="\(n(y(fy) + 4))" text-anchor="end">\(fixed(fy, 2))</text>

                """
        }
        s += """
            <line x1="\(n(left))" y1="\(n(height - bottom))" x2="\(n(width - right))" y2="\(n(height - bottom))" stroke="black"/>
            <line x1="\(n(left))" y1="\(n(top))" x2="\(n(left))" y2="\(n(height - bottom))" stroke="black"/>
            <text x="\(n((left + width - right) / 2))" y="\(n(height - 14))" text-anchor="middle">\(escape(xLabel))</text>
            <text x="16" y="\(n((top + height - bottom) / 2))" text-anchor="middle" transform="rotate(-90 16 \(n((top + height - bottom) / 2)))">\(escape(yLabel))</text>

            """
        let colors = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"]
        for (i, line) in series.enumerated() where !line.points.isEmpty {
            let color = colors[i % colors.count]
            let pts = line.points.map { "\(n(x($0.0))),\(n(y($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
            for p in line.points {
                s += "<circle cx=\"\(n(x(p.0)))\" cy=\"\(n(y(p.1)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
            }
            // A legend only when there is more than one line to tell apart.
            if series.count > 1 {
                s +=
                    "<text x=\"\(n(left + 8))\" y=\"\(n(top + 14 + Double(i) * 15))\" fill=\"\(color)\">\(escape(line.name))</text>\n"
            }
        }
        if let m = marker {
            s +=
                "<circle cx=\"\(n(x(m.0)))\" cy=\"\(n(y(m.1)))\" r=\"6\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(n(x(m.0) + 9))\" y=\"\(n(y(m.1) - 8))\" fill=\"#d62728\">tuned</text>\n"
        }
        for o in others {
            let (px, py) = (x(o.point.0), y(o.point.1))
            s += "<rect x=\"\(n(px - 5))\" y=\"\(n(py - 5))\" width=\"10\" height=\"10\" fill=\"#7f7f7f\"/>\n"
            // Labels of points near the right edge go to their left, inside the chart.
            let leftward = px > width * 0.6
            s +=
                "<text x=\"\(n(leftward ? px - 9 : px + 9))\" y=\"\(n(py + 16))\" fill=\"#7f7f7f\""
                + (leftward ? " text-anchor=\"end\"" : "") + ">\(escape(o.label))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    func n(_ v: Double) -> String { fixed(v, 1) }

    func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
