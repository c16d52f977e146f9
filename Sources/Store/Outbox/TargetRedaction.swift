import Foundation

/// Target URLs as logs and `GET /notifications/recent` show them: the parts that are secrets
/// in practice replaced by `***` — user and password, every query value (`?token=`,
/// `?api_key=`), a Slack hook's path after `/services/`, and any path segment that looks like a
/// generated token (16 characters or more mixing letters and digits, as Discord, Teams and most
/// webhook providers put in the path).
public enum TargetRedaction {
    public static let mask = "***"

    public static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.host != nil else {
            // Not a URL we can take apart: show the scheme and host at most.
            return url.split(separator: "/", maxSplits: 3).prefix(2).joined(separator: "//") + "/" + mask
        }
        if components.user != nil || components.password != nil {
            components.user = mask
            components.password = nil
        }
        if let items = components.queryItems, !items.isEmpty {
            components.queryItems = items.map { URLQueryItem(name: $0.name, value: $0.value == nil ? nil : mask) }
        }
        components.fragment = nil
        var segments = components.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.count > 2, segments[1] == "services" {
            // Slack's /services/T…/B…/secret (on hooks.slack.com or behind a proxy).
            segments = Array(segments[...1]) + [mask]
        } else {
            segments = segments.map { looksLikeToken($0) ? mask : $0 }
        }
        components.percentEncodedPath = segments.joined(separator: "/")
        return (components.string ?? url).replacingOccurrences(of: "%2A%2A%2A", with: mask)
    }

    /// Long and mixing letters with digits: a generated secret rather than a word or a number.
    static func looksLikeToken(_ segment: String) -> Bool {
        guard segment.count >= 16 else { return false }
        let letters = segment.contains { $0.isLetter }
        let digits = segment.contains { $0.isNumber }
        return (letters && digits) || segment.count >= 32
    }
}

extension NotificationTarget {
    /// The URL with its secrets masked (see ``TargetRedaction``): what logs and the API show.
    public var redactedURL: String { TargetRedaction.redact(url) }
}
