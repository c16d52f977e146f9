import Foundation

/// Claude's answer, validated: the four keys the prompt asks for, with the right types.
///
/// The model is asked for bare JSON but may wrap it in a ```json fence or in a sentence;
/// ``parse(_:)`` finds the object in any of those. Anything else — no object, a missing key, a
/// wrong type, an empty root cause, a refusal in prose — is an ``AnalysisAnswerError`` and the
/// offline analysis stands in.
public struct AnalysisAnswer: Sendable, Hashable {
    public var rootCause: String
    public var impact: String
    public var recommendedActions: [String]
    /// Clamped to 0 … 1.
    public var confidence: Double

    public init(rootCause: String, impact: String, recommendedActions: [String], confidence: Double) {
        self.rootCause = rootCause
        self.impact = impact
        self.recommendedActions = recommendedActions
        self.confidence = confidence
    }

    /// The four keys, as the prompt names them (error messages quote these names).
    private struct Wire: Decodable {
        var rootCause: String
        var impact: String
        var recommendedActions: [String]
        var confidence: Double

        enum CodingKeys: String, CodingKey {
            case rootCause = "root_cause"
            case impact
            case recommendedActions = "recommended_actions"
            case confidence
        }
    }

    public static func parse(_ text: String) throws(AnalysisAnswerError) -> AnalysisAnswer {
        var lastError: AnalysisAnswerError = .noJSONObject
        for candidate in candidates(in: text) {
            let wire: Wire
            do {
                wire = try JSONDecoder().decode(Wire.self, from: Data(candidate.utf8))
            } catch let DecodingError.keyNotFound(key, _) {
                lastError = .invalid("missing key \"\(key.stringValue)\"")
                continue
            } catch let DecodingError.typeMismatch(_, context) {
                lastError = .invalid("wrong type for \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\"")
                continue
            } catch {
                continue  // not JSON after all: try the next candidate
            }
            let rootCause = wire.rootCause.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !rootCause.isEmpty else {
                lastError = .invalid("empty root_cause")
                continue
            }
            guard wire.confidence.isFinite else {
                lastError = .invalid("confidence is not a number")
                continue
            }
            return AnalysisAnswer(
                rootCause: rootCause,
                impact: wire.impact.trimmingCharacters(in: .whitespacesAndNewlines),
                recommendedActions: wire.recommendedActions
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    .filter { !$0.isEmpty },
                confidence: min(1, max(0, wire.confidence))
            )
        }
        throw lastError
    }

    /// Where the object may be, most likely first: the whole text, each fenced block, then every
    /// balanced `{…}` span (strings and escapes respected) from each opening brace.
    static func candidates(in text: String) -> [String] {
        var result = [text.trimmingCharacters(in: .whitespacesAndNewlines)]
        var rest = text[...]
        while let open = rest.range(of: "```") {
            var body = rest[open.upperBound...]
            if let newline = body.firstIndex(of: "\n") { body = body[body.index(after: newline)...] }  // the "json" tag line
            guard let close = body.range(of: "```") else { break }
            result.append(body[..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines))
            rest = body[close.upperBound...]
        }
        let characters = Array(text.unicodeScalars)
        for start in characters.indices where characters[start] == "{" {
            if let end = matchingBrace(characters, from: start) {
                var span = String.UnicodeScalarView()
                span.append(contentsOf: characters[start...end])
                result.append(String(span))
            }
            if result.count > 64 { break }  // bounded work on a pathological answer
        }
        return result
    }

    private static func matchingBrace(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for index in start..<scalars.count {
            let scalar = scalars[index]
            if inString {
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
                continue
            }
            switch scalar {
            case "\"": inString = true
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }
}

public enum AnalysisAnswerError: Error, Hashable, CustomStringConvertible {
    case noJSONObject
    case invalid(String)

    public var description: String {
        switch self {
        case .noJSONObject: "the answer holds no JSON object"
        case .invalid(let reason): "the answer's JSON is invalid: \(reason)"
        }
    }
}
