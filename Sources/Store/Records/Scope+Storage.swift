import Detect

/// Scopes as one text key — `overall` or `service:NAME` — so that (scope, window) is a plain
/// composite primary key in every backend. The prefix keeps a service named "overall" distinct.
extension Scope {
    var storageKey: String {
        switch self {
        case .overall: "overall"
        case .service(let name): "service:" + name
        }
    }

    init?(storageKey: String) {
        if storageKey == "overall" {
            self = .overall
        } else if storageKey.hasPrefix("service:") {
            self = .service(String(storageKey.dropFirst("service:".count)))
        } else {
            return nil
        }
    }
}
