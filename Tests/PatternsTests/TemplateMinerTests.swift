import Testing
@testable import Patterns

@Suite struct TemplateMinerTests {
    @Test func messagesOfOneShapeShareATemplate() {
        var miner = TemplateMiner()
        let first = miner.add("Received block blk_123 of size 67108864 from /10.0.0.1")
        let second = miner.add("Received block blk_-99 of size 512 from /10.0.0.2")
        #expect(first.isNew)
        #expect(!second.isNew)
        #expect(first.id == second.id)
        #expect(miner.template(first.id)?.text == "Received block <*> of size <*> from <*>")
        #expect(miner.template(first.id)?.count == 2)
    }

    @Test func differentMessagesGetDifferentTemplates() {
        var miner = TemplateMiner()
        let a = miner.add("PacketResponder 1 for block blk_1 terminating")
        let b = miner.add("Deleting block blk_2 file /data/blk_2")
        let c = miner.add("Verification succeeded for blk_3")
        #expect(Set([a.id, b.id, c.id]).count == 3)
        #expect(miner.count == 3)
    }

    @Test func aTemplateWidensAndKeepsItsID() {
        var miner = TemplateMiner()
        let first = miner.add("Deleting block blk_1 file /data/current/blk_1 on volume alpha of pool east now")
        // Two constant words differ in ten: similar enough to widen at once.
        let second = miner.add("Deleting block blk_2 file /data/current/blk_2 on volume bravo of pool west now")
        #expect(second.id == first.id)
        #expect(!second.isNew)
        #expect(miner.template(first.id)?.text == "Deleting block <*> file <*> on volume <*> of pool <*> now")
        #expect(miner.add("Deleting block blk_3 file /x/y on volume alpha of pool north now").id == first.id)
    }

    @Test func oneDifferingWordIsLeftToTheFold() {
        // `client SPP` / `client WindowsUpdateAgent`: one word apart, two kinds of message. Whether
        // such a word is a value is decided by how many values it takes, not by similarity.
        var miner = TemplateMiner()
        let update = miner.add("Session: 30546173_4261722401 initialized by client WindowsUpdateAgent.").id
        let spp = miner.add("Session: 11152_142416105 initialized by client SPP.").id
        #expect(update != spp)
        #expect(miner.add("Session: 30546174_1262094495 initialized by client WindowsUpdateAgent.").id == update)
        #expect(miner.add("Session: 11153_142416999 initialized by client SPP.").id == spp)
        #expect(miner.count == 2)
    }

    @Test func aBracketedContextIsNotTheMessageKind() {
        // `[instance: <uuid>]` says what the message is about; `VM Started` / `VM Stopped` are
        // kinds of message, not values of one, however many of them there are.
        var miner = TemplateMiner()
        let events = ["Started", "Stopped", "Paused", "Resumed"].map {
            miner.add("[instance: 0b7c4f0e-6c64-4d52-9a31-3b0b4a2f9e1d] VM \($0) (Lifecycle Event)").id
        }
        #expect(Set(events.map { miner.canonical($0) }).count == 4)
        #expect(miner.count == 4)
    }

    @Test func anEmptyValueIsAnotherShape() {
        var miner = TemplateMiner()
        let remote = miner.add("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4").id
        let local = miner.add("authentication failure; logname= uid=0 euid=0 tty=:0 ruser= rhost=").id
        #expect(remote != local)
        #expect(miner.add("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.0.0.9").id == remote)
    }

    @Test func theTokenCacheGivesTheSameTemplates() {
        // The receive path mines with a shared cache of masked tokens: same ids, same texts.
        let lines = (0..<400).map { i in
            ["GET /api/v1/orders/\(i) HTTP/1.1 200 \(i * 7) 0.0\(i % 9)s ua=\"Mozilla/5.0 (X11; Linux x86_64)\"",
             "Payment \(i) authorized for customer \(i % 13) amount=\(i).99 EUR trace=\(String(i * 2654435761, radix: 16)) seq=\(i)",
             "session opened for user \(["root", "news", "cyrus"][i % 3]) by (uid=\(i % 2))",
             "ws=WorkSource{\(i)}, uid=1000 took \(i) ms"][i % 4]
        }
        var plain = TemplateMiner()
        var cached = TemplateMiner()
        var cache = TokenCache()
        for line in lines {
            var text = line
            let expected = plain.add(line).id
            let got = text.withUTF8 { cached.add(UnsafeRawBufferPointer($0), cache: &cache).id }
            #expect(got == expected, "\(line)")
        }
        #expect(plain.templates == cached.templates)
    }

    @Test func aWordWithManyValuesIsFoldedIntoOneTemplate() {
        var miner = TemplateMiner()
        // Short messages differing in one word are different kinds of message at first...
        let alice = miner.add("Invalid user alice from 10.0.0.1")
        let bob = miner.add("Invalid user bob from 10.0.0.2")
        #expect(alice.isNew && bob.isNew)
        #expect(alice.id != bob.id)
        // ...until the word has taken `distinctValuesForVariable` (3) values: then it is a variable.
        let carol = miner.add("Invalid user carol from 10.0.0.3")
        #expect(carol.id == alice.id)
        #expect(!carol.isNew)
        #expect(miner.count == 1)
        #expect(miner.canonical(bob.id) == alice.id)
        #expect(miner.template(bob.id)?.id == alice.id)
        let folded = miner.template(alice.id)
        #expect(folded?.text == "Invalid user <*> from <*>")
        #expect(folded?.count == 3)
        #expect(folded?.aliases == [bob.id])
        #expect(miner.add("Invalid user dave from 10.0.0.4").id == alice.id)
    }

    @Test func aWordWithFewValuesStaysPartOfTheTemplate() {
        var miner = TemplateMiner()
        let started = miner.add("cupsd startup succeeded").id
        let stopped = miner.add("cupsd shutdown succeeded").id
        #expect(started != stopped)
        #expect(miner.add("cupsd startup succeeded").id == started)
    }

    @Test func aLeadingWordWithManyValuesFoldsOnlyInALongMessage() {
        var long = TemplateMiner()
        let jobs = ["com.apple.daily", "com.apple.heartbeat", "com.apple.harvest"].map {
            long.add("\($0): scheduler told me to run this job; however, the start time isn't for 42 seconds.").id
        }
        #expect(Set(jobs.map { long.canonical($0) }).count == 1)
        #expect(long.count == 1)
        var short = TemplateMiner()
        let words = ["onPause", "onResume", "onStop"].map { short.add($0).id }
        #expect(Set(words).count == 3)
        #expect(short.count == 3)
    }

    @Test func valuesVaryingInNumberKeepTheTemplate() {
        var miner = TemplateMiner()
        let plain = miner.add("host:443 close, 451 bytes sent, 18846 bytes received, lifetime 00:01").id
        let units = miner.add("host:443 close, 451 bytes (1.2 KB) sent, 18846 bytes (18.4 KB) received, lifetime <1 sec").id
        #expect(units == plain)
    }

    @Test func idsDependOnTheShapeNotOnArrivalOrder() {
        var one = TemplateMiner()
        var two = TemplateMiner()
        let late = "session opened for user root by (uid=0)"
        _ = one.add("something else entirely 42")
        _ = one.add("and a third kind of line")
        let inOne = one.add(late).id
        let inTwo = two.add(late).id
        #expect(inOne == inTwo)
        #expect(inOne == TemplateID(inOne.description))
        #expect(inOne.description.count == 16)
    }

    @Test func theSameInputGivesTheSameAssignments() {
        let lines = (0..<500).map { i in
            switch i % 5 {
            case 0: "Accepted password for user\(i % 7) from 10.0.\(i).1 port \(i) ssh2"
            case 1: "Failed password for invalid user guest from 10.1.\(i).2 port \(i) ssh2"
            case 2: "pam_unix(sshd:session): session closed for user root"
            case 3: "Received disconnect from 10.2.\(i).3: 11: Bye Bye [preauth]"
            default: "Connection closed by 10.3.\(i).4 [preauth]"
            }
        }
        func run() -> ([TemplateID], [MinedTemplate]) {
            var miner = TemplateMiner()
            let ids = lines.map { miner.add($0).id }
            // The ids each line's template is known by at the end (`user0`… fold after 3 values).
            return (ids.map { miner.canonical($0) }, miner.templates)
        }
        let (ids1, templates1) = run()
        let (ids2, templates2) = run()
        #expect(ids1 == ids2)
        #expect(templates1 == templates2)
        #expect(Set(ids1).count == 5)
    }

    @Test func restoredTemplatesKeepTheirIDs() {
        var miner = TemplateMiner()
        let a = miner.add("Session 17 of user alice opened from 10.0.0.1 using key rsa").id
        _ = miner.add("Session 18 of user bob opened from 10.0.0.2 using key rsa")
        _ = miner.add("Session 19 of user carol opened from 10.0.0.3 using key rsa")  // 3 users: folded
        let b = miner.add("Disk /dev/sda1 is 91% full").id
        #expect(miner.template(a)?.text == "Session <*> of user <*> opened from <*> using key rsa")
        var restored = TemplateMiner(restoring: miner.templates)
        #expect(restored.templates == miner.templates)
        let again = restored.add("Session 20 of user dave opened from 10.0.0.4 using key rsa")
        #expect(again.id == a)
        #expect(!again.isNew)
        #expect(restored.add("Disk /dev/sdb2 is 12% full").id == b)
        #expect(restored.template(a)?.count == 4)
    }

    @Test func restoredAliasesStillLeadToTheirTemplate() {
        var miner = TemplateMiner()
        _ = miner.add("Invalid user alice from 10.0.0.1")
        let bob = miner.add("Invalid user bob from 10.0.0.2").id
        _ = miner.add("Invalid user carol from 10.0.0.3")
        let restored = TemplateMiner(restoring: miner.templates)
        #expect(restored.canonical(bob) == miner.canonical(bob))
        #expect(restored.template(bob)?.text == "Invalid user <*> from <*>")
    }

    @Test func restoringInconsistentAliasesNeitherLoopsNorStealsIDs() {
        let a = TemplateID(rawValue: 1)
        let b = TemplateID(rawValue: 2)
        let miner = TemplateMiner(restoring: [
            MinedTemplate(id: a, text: "alpha <*>", count: 1, aliases: [a, b]),
            MinedTemplate(id: b, text: "beta <*>", count: 1, aliases: [a]),
        ])
        #expect(miner.canonical(a) == a)
        #expect(miner.canonical(b) == a)  // b was claimed as an alias first; the second entry is dropped
        #expect(miner.count == 1)
        #expect(miner.template(b)?.text == "alpha <*>")
    }

    @Test func theLeastRecentlySeenTemplateIsEvictedAtTheCap() {
        var miner = TemplateMiner(configuration: .init(maximumTemplates: 2))
        let a = miner.add("alpha event happened").id
        let b = miner.add("beta thing occurred now").id
        _ = miner.add("alpha event happened")  // a is now more recent than b
        let c = miner.add("gamma completely different message here").id
        #expect(miner.evictedCount == 1)
        #expect(miner.count == 2)
        #expect(miner.template(b) == nil)
        #expect(miner.template(a) != nil)
        #expect(miner.template(c) != nil)
        // b comes back with the same id (a new template, since the old one is gone).
        let again = miner.add("beta thing occurred now")
        #expect(again.isNew)
        #expect(again.id == b)
        #expect(miner.evictedCount == 2)
        #expect(miner.templates.count == 2)
    }

    @Test func shapesDifferingInLengthAreDifferentTemplates() {
        var miner = TemplateMiner()
        let short = miner.add("job done").id
        let long = miner.add("job done twice").id
        #expect(short != long)
    }

    @Test func templateTextIsAvailableAsBytes() {
        var miner = TemplateMiner()
        let id = miner.add("quote \" and backslash \\ kept").id
        let text = miner.withText(of: id) { String(decoding: $0, as: UTF8.self) }
        #expect(text == "quote \" and backslash \\ kept")
        #expect(miner.withText(of: TemplateID(rawValue: 1)) { $0.count } == nil)
    }
}
