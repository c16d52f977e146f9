import Testing
@testable import Detect

@Suite struct InMemoryCooldownTests {
    /// Asks a fresh cooldown about each (category, time) in turn, all in one service.
    func admitted(_ requests: [(AnomalyCategory, Int64)], cooldownSeconds: Int64 = 900) -> [Bool] {
        var cooldown = InMemoryCooldown(cooldownSeconds: cooldownSeconds)
        return requests.map { cooldown.admit(AlertKey($0.0, .service("api")), at: $0.1) }
    }

    @Test func oneAlertPerCategoryPerCooldown() {
        let t: Int64 = 1_000_000
        let requests: [(AnomalyCategory, Int64)] = [t, t + 1, t + 899, t + 901, t + 902].map { (.errorSpike, $0) }
        #expect(admitted(requests) == [true, false, false, true, false])
    }

    @Test func theCooldownEndsExactlyAfterItsLength() {
        #expect(admitted([(.volumeSpike, 0), (.volumeSpike, 899), (.volumeSpike, 900)]) == [true, false, true])
    }

    @Test func categoriesCoolDownIndependently() {
        let requests: [(AnomalyCategory, Int64)] = [(.errorSpike, 0), (.volumeSpike, 1), (.serviceChange, 2), (.errorSpike, 3)]
        #expect(admitted(requests) == [true, true, true, false])
    }

    @Test func scopesCoolDownIndependently() {
        var cooldown = InMemoryCooldown(cooldownSeconds: 900)
        let requests: [(Scope, Int64)] = [(.service("payments"), 0), (.service("search"), 300), (.service("payments"), 600), (.overall, 601), (.overall, 602)]
        let admitted = requests.map { cooldown.admit(AlertKey(.errorSpike, $0.0), at: $0.1) }
        #expect(admitted == [true, true, false, true, false])
    }

    @Test func aRefusedAlertDoesNotExtendTheCooldown() {
        #expect(admitted([(.errorSpike, 0), (.errorSpike, 800), (.errorSpike, 901)]) == [true, false, true])
    }

    @Test func theCooldownIsConfigurable() {
        #expect(admitted([(.errorSpike, 0), (.errorSpike, 59), (.errorSpike, 60)], cooldownSeconds: 60) == [true, false, true])
    }
}
