import Analyze
import Testing

@Suite struct AnalysisAnswerTests {
    static let object = #"{"root_cause": "pool exhausted", "impact": "30% fail", "recommended_actions": ["scale the pool"], "confidence": 0.7}"#

    @Test(arguments: [
        object,
        "  \n" + object + "\n",
        "```json\n" + object + "\n```",
        "```\n" + object + "\n```",
        "Sure. Here is the analysis:\n```json\n" + object + "\n```\nHope it helps.",
        "My analysis: " + object + " — based on the samples.",
        "Considering {the braces} in prose, " + object,
    ])
    func findsTheObjectBareFencedOrInProse(_ text: String) throws {
        let answer = try AnalysisAnswer.parse(text)
        #expect(answer == AnalysisAnswer(rootCause: "pool exhausted", impact: "30% fail", recommendedActions: ["scale the pool"], confidence: 0.7))
    }

    @Test func bracesInsideStringsDoNotConfuseTheScan() throws {
        let text = #"Answer: {"root_cause": "a } in text {", "impact": "i", "recommended_actions": [], "confidence": 0.5} end"#
        #expect(try AnalysisAnswer.parse(text).rootCause == "a } in text {")
    }

    @Test(arguments: [(-0.5, 0.0), (1.7, 1.0), (0, 0.0), (1, 1.0)])
    func confidenceIsClamped(_ given: Double, _ expected: Double) throws {
        let text = #"{"root_cause": "r", "impact": "i", "recommended_actions": [], "confidence": \#(given)}"#
        #expect(try AnalysisAnswer.parse(text).confidence == expected)
    }

    @Test(arguments: [
        (#"{"impact": "i", "recommended_actions": [], "confidence": 0.5}"#, "missing key \"root_cause\""),
        (#"{"root_cause": "r", "impact": "i", "recommended_actions": "do it", "confidence": 0.5}"#, "wrong type for \"recommended_actions\""),
        (#"{"root_cause": "r", "impact": "i", "recommended_actions": [], "confidence": "high"}"#, "wrong type for \"confidence\""),
        (#"{"root_cause": "r", "impact": "i", "recommended_actions": [], "confidence": true}"#, "wrong type for \"confidence\""),
        (#"{"root_cause": "  ", "impact": "i", "recommended_actions": [], "confidence": 0.5}"#, "empty root_cause"),
        (#"{"root_cause": 3, "impact": "i", "recommended_actions": [], "confidence": 0.5}"#, "wrong type for \"root_cause\""),
    ])
    func invalidTypesAreRejectedWithTheReason(_ text: String, _ reason: String) {
        #expect(throws: AnalysisAnswerError.invalid(reason)) { try AnalysisAnswer.parse(text) }
    }

    @Test(arguments: ["", "I cannot help with that.", "{not json}", "```json\n{\"root_cause\":\n```"])
    func textWithoutAnObjectIsRejected(_ text: String) {
        #expect(throws: AnalysisAnswerError.noJSONObject) { try AnalysisAnswer.parse(text) }
    }

    @Test func emptyActionsAreDroppedAndTextTrimmed() throws {
        let text = #"{"root_cause": " r ", "impact": " i ", "recommended_actions": ["a", " ", "b "], "confidence": 0.5}"#
        let answer = try AnalysisAnswer.parse(text)
        #expect(answer.rootCause == "r" && answer.impact == "i" && answer.recommendedActions == ["a", "b"])
    }
}
