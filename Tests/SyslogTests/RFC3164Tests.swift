import Testing
@testable import Syslog

/// RFC 3164, leniently: the §5.4 examples, the timestamp and TAG variants, and lines written from
/// vendors' documented formats. Parsing never fails here; what is not header stays in MSG.
@Suite struct RFC3164Tests {
    struct Line: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var expected: ParsedFields
        var testDescription: String { name }

        init(_ name: String, _ text: String, _ expected: ParsedFields) {
            self.name = name
            self.text = text
            self.expected = expected
        }
    }

    // MARK: §5.4 examples (reference time 2024-05-20)

    @Test(arguments: [
        Line("example 1", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", ParsedFields(
            format: .rfc3164, priority: 34, utc: "2023-10-11T22:14:15.000000Z", utcOffset: 0,
            hostname: "mymachine", appName: "su",
            message: "'su root' failed for lonvick on /dev/pts/8", service: "su")),
        Line("example 2: no TAG", "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-02-05T17:32:18.000000Z", utcOffset: 0,
            hostname: "10.0.0.99", message: "Use the BFG!", service: "10.0.0.99")),
        // §5.4: "the HOSTNAME field would be construed to be CST and the beginning of the MSG part would be 1987".
        Line("example 3: CST 1987", "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%", ParsedFields(
            format: .rfc3164, priority: 165, utc: "2023-08-24T05:34:00.000000Z", utcOffset: 0, hostname: "CST",
            message: "1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%",
            service: "CST")),
        // §5.4: the year in front makes the TIMESTAMP invalid; everything after PRI is MSG.
        Line("example 4: year first", "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!", ParsedFields(
            format: .rfc3164, priority: 0,
            message: "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!")),
        // §4.3.3: no PRI, so a relay gives it 13.
        Line("example 5: no PRI", "Use the BFG!", ParsedFields(
            format: .rfc3164, priority: 13, priorityIsDefault: true, message: "Use the BFG!")),
    ])
    func rfcExampleParsesFieldByField(_ line: Line) throws {
        #expect(try parse(line.text) == line.expected)
    }

    @Test func missingPRIIsUserNotice() throws {
        let parsed = try parse("Oct 11 22:14:15 mymachine su: hello")
        #expect(parsed.priority == 13 && parsed.priorityIsDefault)
        #expect(try facilityAndSeverity("Oct 11 22:14:15 mymachine su: hello") == [1, 5])  // user.notice
        #expect(parsed.appName == "su")
    }

    // MARK: Timestamps

    @Test(arguments: [
        ("Dec 31 23:59:59", "2023-12-31T23:59:59.000000Z"),  // last year's December, read in January
        ("Jan  2 10:00:00", "2024-01-02T10:00:00.000000Z"),  // today
        ("Jan  3 00:00:00", "2024-01-03T00:00:00.000000Z"),  // exactly one day ahead: clock skew
        ("Jan  3 00:00:01", "2023-01-03T00:00:01.000000Z"),  // more than a day ahead: last year
        ("Jun 15 12:00:00", "2023-06-15T12:00:00.000000Z"),
    ])
    func yearIsInferredFromTheReferenceTime(_ bsd: String, utc: String) throws {
        let parser = SyslogParser(timeZone: .utc, referenceTime: 1_704_153_600)  // 2024-01-02T00:00:00Z
        #expect(try parse("<13>\(bsd) host app: x", parser: parser).utc == utc)
        #expect(try timestamp("<13>\(bsd) host app: x", parser: parser)?.yearWasInferred == true)
    }

    @Test func localTimeZoneShiftsTheInstant() throws {
        let parser = SyslogParser(timeZone: LocalTimeZone(fixedOffsetSeconds: 3600), referenceTime: SyslogParser.fixedReferenceTime)
        let parsed = try parse("<13>May 19 10:00:00 host app: x", parser: parser)
        #expect(parsed.utc == "2024-05-19T09:00:00.000000Z")
        #expect(parsed.utcOffset == 3600)
        #expect(try timestamp("<13>May 19 10:00:00 host app: x", parser: parser)?.hasExplicitOffset == false)
        #expect(try parse("<13>2024-05-19T10:00:00 host app: x", parser: parser).utc == "2024-05-19T09:00:00.000000Z")
        #expect(try parse("<13>2024-05-19T10:00:00Z host app: x", parser: parser).utc == "2024-05-19T10:00:00.000000Z")
    }

    @Test func yearIsInferredInTheLocalTimeZone() throws {
        // 2023-12-31T23:30:00Z is already 2024-01-01 at +01:00.
        let parser = SyslogParser(timeZone: LocalTimeZone(fixedOffsetSeconds: 3600), referenceTime: 1_704_065_400)
        #expect(try parse("<13>Jan  1 00:10:00 host app: x", parser: parser).utc == "2023-12-31T23:10:00.000000Z")
        #expect(try parse("<13>Dec 31 23:50:00 host app: x", parser: parser).utc == "2023-12-31T22:50:00.000000Z")
    }

    @Test func daylightSavingTimeOffsetFollowsTheDate() throws {
        let cet = LocalTimeZone(initialOffset: 3600, transitions: [
            (utcStart: 1_711_846_800, offsetSeconds: 7200),  // 2024-03-31T01:00:00Z
            (utcStart: 1_729_990_800, offsetSeconds: 3600),  // 2024-10-27T01:00:00Z
        ])
        let parser = SyslogParser(timeZone: cet, referenceTime: SyslogParser.fixedReferenceTime)
        let winter = try parse("<13>Jan 15 2024 12:00:00 host app: x", parser: parser)
        let summer = try parse("<13>Jul 15 2024 12:00:00 host app: x", parser: parser)
        #expect(winter.utc == "2024-01-15T11:00:00.000000Z" && winter.utcOffset == 3600)
        #expect(summer.utc == "2024-07-15T10:00:00.000000Z" && summer.utcOffset == 7200)
    }

    @Test(arguments: ["May  5", "May 5", "May 05", "MAY  5", "may  5", "mAy  5"])
    func monthAndDayAreReadInEveryCommonForm(_ date: String) throws {
        #expect(try parse("<13>\(date) 10:00:00 host app: x") == ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-05T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", appName: "app", message: "x", service: "app"))
    }

    @Test(arguments: [
        ("2024-05-19T10:00:00.123+02:00", "2024-05-19T08:00:00.123000Z", Int32(7200)),
        ("2024-05-19T10:00:00+0200", "2024-05-19T08:00:00.000000Z", 7200),
        ("2024-05-19T10:00:00", "2024-05-19T10:00:00.000000Z", 0),
        ("2024-05-19t10:00:00z", "2024-05-19T10:00:00.000000Z", 0),
        ("2024-05-19T10:00:00.123456789Z", "2024-05-19T10:00:00.123456789Z", 0),
        ("2024-05-19 10:00:00-04", "2024-05-19T14:00:00.000000Z", -14_400),  // macOS install.log
        ("2024-05-19 10:00:00.5", "2024-05-19T10:00:00.500000Z", 0),
    ])
    func isoTimestampIsAcceptedInTheTimestampSlot(_ iso: String, utc: String, offset: Int32) throws {
        #expect(try parse("<13>\(iso) host app[1]: iso") == ParsedFields(
            format: .rfc3164, priority: 13, utc: utc, utcOffset: offset,
            hostname: "host", appName: "app", procID: "1", message: "iso", service: "app"))
    }

    @Test(arguments: [
        ("May 14 2024 09:21:07", "2024-05-14T09:21:07.000000Z"),  // Cisco `service timestamps … year`
        ("May 14 09:21:07 2024", "2024-05-14T09:21:07.000000Z"),  // Aruba
        ("Jun 15 2024 12:00:00", "2024-06-15T12:00:00.000000Z"),  // a written year is not inferred
    ])
    func yearWrittenInTheTimestampIsUsed(_ bsd: String, utc: String) throws {
        #expect(try parse("<13>\(bsd) host app: x") == ParsedFields(
            format: .rfc3164, priority: 13, utc: utc, utcOffset: 0, hostname: "host", appName: "app", message: "x", service: "app"))
        #expect(try timestamp("<13>\(bsd) host app: x")?.yearWasInferred == false)
    }

    @Test(arguments: ["May 32 10:00:00", "May 19 25:00:00", "Mayo 19 10:00:00", "May 19 10:00"])
    func unrecognisedTimestampStaysInMessage(_ text: String) throws {
        #expect(try parse("<13>\(text) host app: x") == ParsedFields(
            format: .rfc3164, priority: 13, message: "\(text) host app: x"))
    }

    @Test(
          arguments: ["Feb 30 10:00:00", "Apr 31 10:00:00"])
    func impossibleCalendarDateStaysInMessage(_ text: String) throws {
        #expect(try parse("<13>\(text) host app: x") == ParsedFields(
            format: .rfc3164, priority: 13, message: "\(text) host app: x"))
    }

    @Test(
          arguments: ["2262-04-11T23:47:17Z", "Jan  1 9999 00:00:00", "Jan  1 0001 00:00:00"])
    func timestampOutsideTheRepresentableRangeIsNotATimestamp(_ text: String) throws {
        #expect(try timestamp("<13>\(text) host app: x") == nil)
    }

    // MARK: HOSTNAME and TAG

    @Test(arguments: [
        Line("TAG[PID]:", "<13>May 19 10:00:00 host sshd[2345]: msg", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", appName: "sshd", procID: "2345", message: "msg", service: "sshd")),
        Line("TAG[PID] without colon", "<13>May 19 10:00:00 host app[123] no colon", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", appName: "app", procID: "123", message: "no colon", service: "app")),
        Line("TAG: without space", "<13>May 19 10:00:00 host app:no space", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", appName: "app", message: "no space", service: "app")),
        Line("word without colon is MSG", "<13>May 19 10:00:00 host app without colon", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", message: "app without colon", service: "host")),
        Line("no hostname, TAG[PID]", "<13>May 19 10:00:00 app[12]: no host", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            appName: "app", procID: "12", message: "no host", service: "app")),
        Line("no hostname, TAG:", "<13>May 19 10:00:00 app: no host", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            appName: "app", message: "no host", service: "app")),
        Line("no timestamp", "<13>sshd[123]: no timestamp", ParsedFields(
            format: .rfc3164, priority: 13, appName: "sshd", procID: "123", message: "no timestamp", service: "sshd")),
        Line("FQDN and extra spaces", "<13>May 19 10:00:00 host.example.com  app: two spaces", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host.example.com", appName: "app", message: "two spaces", service: "app")),
        Line("IPv6 hostname", "<13>May 19 10:00:00 2001:db8::1 app: v6", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "2001:db8::1", appName: "app", message: "v6", service: "app")),
        Line("header only", "<13>May 19 10:00:00 host", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", service: "host")),
        Line("PRI only", "<13>", ParsedFields(format: .rfc3164, priority: 13)),
        Line("spaces after the TAG separate, however many", "<13>May 19 10:00:00 host app:  \t indented", ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "host", appName: "app", message: "indented", service: "app")),
    ])
    func headerPartsAreRecognised(_ line: Line) throws {
        #expect(try parse(line.text) == line.expected)
    }

    // MARK: Real hosts: program names with spaces (macOS)

    /// Every case here follows this header.
    static let header = "<13>May 19 10:00:00 mac "

    @Test(arguments: [
        ("Microsoft Word[1234]: Saved", macFields(appName: "Microsoft Word", procID: "1234", message: "Saved")),
        ("BezelServices 255.10[94]: ASSERTION FAILED: dvcAddrRef != ((void *)0) -[DriverServices getDeviceAddress:] line: 395",
         macFields(appName: "BezelServices 255.10", procID: "94", message: "ASSERTION FAILED: dvcAddrRef != ((void *)0) -[DriverServices getDeviceAddress:] line: 395")),
        ("Google Chrome Helper (Renderer)[812]: x", macFields(appName: "Google Chrome Helper (Renderer)", procID: "812", message: "x")),
        ("Jamf App Installers[8033]: 1Password 8 8.12.34: Change", macFields(appName: "Jamf App Installers", procID: "8033", message: "1Password 8 8.12.34: Change")),
        ("Téléchargements Photos[7]: é", macFields(appName: "Téléchargements Photos", procID: "7", message: "é")),
        ("Microsoft Word[1234]:", macFields(appName: "Microsoft Word", procID: "1234", message: nil)),
        ("1Password 7[321]: unlocked", macFields(appName: "1Password 7", procID: "321", message: "unlocked")),
        // Linux: login's ident, after two spaces (Loghub Linux_2k.log).
        (" -- root[2421]: ROOT LOGIN ON tty2", macFields(appName: "-- root", procID: "2421", message: "ROOT LOGIN ON tty2")),
        // 48 bytes of name: the longest taken.
        ("\(repeated("a", 23)) \(repeated("b", 24))[1]: long", macFields(appName: "\(repeated("a", 23)) \(repeated("b", 24))", procID: "1", message: "long")),
    ])
    func programNameWithSpacesBeforeDigitsPIDIsTheTAG(_ rest: String, _ expected: ParsedFields) throws {
        #expect(try parse(Self.header + rest) == expected)
    }

    @Test(arguments: [
        "\(repeated("a", 24)) \(repeated("b", 24))[1]: 49 bytes of name",
        "Microsoft Word[12a]: PID not digits",
        "Microsoft Word[1234] no colon after the PID",
        "Microsoft Word [1234]: space before the bracket",
        "Microsoft  Word[1234]: two spaces",
        "a b:c[12]: colon inside the name",
        "a b]c[12]: bracket inside the name",
        "Microsoft Word[]: empty PID",
        "2024 Microsoft Word[1]: a number first",
    ])
    func wordsNotEndingInDigitsPIDAndColonStayInMSG(_ rest: String) throws {
        let parsed = try parse(Self.header + rest)
        #expect(parsed.appName == nil && parsed.procID == nil, "\(parsed)")
        #expect(parsed.hostname == "mac")
        #expect(parsed.message == rest.drop(while: { $0 == " " }).description)
    }

    @Test func withoutHostnameTheFirstWordIsTheHostname() throws {
        // Only after a HOSTNAME can a name have spaces; here "Microsoft" is the HOSTNAME, as before.
        #expect(try parse("<13>May 19 10:00:00 Microsoft Word[1234]: x") == ParsedFields(
            format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
            hostname: "Microsoft", appName: "Word", procID: "1234", message: "x", service: "Word"))
    }

    // MARK: Real hosts: macOS `TAG[PID] (SUBSYSTEM): MSG`

    @Test(arguments: [
        ("com.apple.xpc.launchd[1] (com.apple.preference.displays.MirrorDisplays): Service only ran for 0 seconds.",
         macFields(appName: "com.apple.xpc.launchd", procID: "1", subsystem: "com.apple.preference.displays.MirrorDisplays", message: "Service only ran for 0 seconds.")),
        ("com.apple.xpc.launchd[1] (com.apple.mdworker.bundles.0B000000-0000-0000-0000-000000000000[12345]): Service exited due to SIGKILL | sent by mds[123]",
         macFields(appName: "com.apple.xpc.launchd", procID: "1", subsystem: "com.apple.mdworker.bundles.0B000000-0000-0000-0000-000000000000[12345]",
             message: "Service exited due to SIGKILL | sent by mds[123]")),
        ("sandboxd[129] ([10018]): QQ(10018) deny mach-lookup", macFields(appName: "sandboxd", procID: "129", subsystem: "[10018]", message: "QQ(10018) deny mach-lookup")),
        ("com.apple.xpc.launchd[1] (com.apple.xpc.launchd.oneshot.0x10000001.Google Chrome[540]): exited",
         macFields(appName: "com.apple.xpc.launchd", procID: "1", subsystem: "com.apple.xpc.launchd.oneshot.0x10000001.Google Chrome[540]", message: "exited")),
        ("app[7] (a (nested) b): x", macFields(appName: "app", procID: "7", subsystem: "a (nested) b", message: "x")),
        ("Google Chrome[12] (renderer): x", macFields(appName: "Google Chrome", procID: "12", subsystem: "renderer", message: "x")),
        ("app[7] (sub):", macFields(appName: "app", procID: "7", subsystem: "sub", message: nil)),
        ("app[7] (sub):no space", macFields(appName: "app", procID: "7", subsystem: "sub", message: "no space")),
    ])
    func parenthesisedSubsystemAfterThePIDIsHeader(_ rest: String, _ expected: ParsedFields) throws {
        #expect(try parse(Self.header + rest) == expected)
    }

    @Test(arguments: [
        ("app[7] (not closed: x", "(not closed: x"),
        ("app[7] (sub) no colon", "(sub) no colon"),
        ("app[7]: (sub): colon before it", "(sub): colon before it"),
        ("app[7] (): empty", "(): empty"),
        ("app[7] (a (b): unbalanced", "(a (b): unbalanced"),
        ("app[7] (\(repeated("s", 255))): too long", "(\(repeated("s", 255))): too long"),
        ("CRON[4567]: (root) CMD (run-parts /etc/cron.hourly)", "(root) CMD (run-parts /etc/cron.hourly)"),
    ])
    func parenthesesThatAreNotASubsystemStayInMSG(_ rest: String, _ message: String) throws {
        let parsed = try parse(Self.header + rest)
        #expect(parsed.subsystem == nil)
        #expect(parsed.procID != nil)
        #expect(parsed.message == message)
    }

    // MARK: Cisco

    @Test(arguments: [
        Line("IOS", "<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)", ParsedFields(
            format: .rfc3164, priority: 189, utc: "2024-03-01T18:46:11.123000Z", utcOffset: 0,
            appName: "%SYS-5-CONFIG_I", message: "Configured from console by vty0 (10.0.0.1)", service: "%SYS-5-CONFIG_I")),
        Line("IOS with year and zone", "<189>123: *Mar  1 2024 18:46:11.123 UTC: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)", ParsedFields(
            format: .rfc3164, priority: 189, utc: "2024-03-01T18:46:11.123000Z", utcOffset: 0,
            appName: "%SYS-5-CONFIG_I", message: "Configured from console by vty0 (10.0.0.1)", service: "%SYS-5-CONFIG_I")),
        Line("IOS, clock out of sync", "<187>000123: .Mar  1 18:46:11: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up", ParsedFields(
            format: .rfc3164, priority: 187, utc: "2024-03-01T18:46:11.000000Z", utcOffset: 0,
            appName: "%LINK-3-UPDOWN", message: "Interface GigabitEthernet0/1, changed state to up", service: "%LINK-3-UPDOWN")),
        Line("IOS, local zone name", "<189>45: Mar  1 18:46:11.123 CET: %SYS-5-CONFIG_I: Configured", ParsedFields(
            format: .rfc3164, priority: 189, utc: "2024-03-01T18:46:11.123000Z", utcOffset: 0,
            appName: "%SYS-5-CONFIG_I", message: "Configured", service: "%SYS-5-CONFIG_I")),
        Line("ASA with device id", "<166>Jan 15 2024 10:30:00 FW01 : %ASA-6-302013: Built outbound TCP connection 123 for outside:8.8.8.8/53 (8.8.8.8/53) to inside:10.0.0.5/5353 (10.0.0.5/5353)", ParsedFields(
            format: .rfc3164, priority: 166, utc: "2024-01-15T10:30:00.000000Z", utcOffset: 0, hostname: "FW01",
            appName: "%ASA-6-302013", message: "Built outbound TCP connection 123 for outside:8.8.8.8/53 (8.8.8.8/53) to inside:10.0.0.5/5353 (10.0.0.5/5353)",
            service: "%ASA-6-302013")),
        Line("ASA with timestamp only", "<166>Jan 15 2024 10:30:00: %ASA-6-302014: Teardown TCP connection 123", ParsedFields(
            format: .rfc3164, priority: 166, utc: "2024-01-15T10:30:00.000000Z", utcOffset: 0,
            appName: "%ASA-6-302014", message: "Teardown TCP connection 123", service: "%ASA-6-302014")),
        Line("ASA without header", #"<164>%ASA-4-106023: Deny tcp src outside:1.2.3.4/1234 dst inside:10.0.0.1/80 by access-group "outside_in" [0x0, 0x0]"#, ParsedFields(
            format: .rfc3164, priority: 164, appName: "%ASA-4-106023",
            message: #"Deny tcp src outside:1.2.3.4/1234 dst inside:10.0.0.1/80 by access-group "outside_in" [0x0, 0x0]"#,
            service: "%ASA-4-106023")),
    ])
    func ciscoFormsAreRecognised(_ line: Line) throws {
        #expect(try parse(line.text) == line.expected)
    }

    @Test func ciscoUTCZoneNameOverridesTheLocalZone() throws {
        let parser = SyslogParser(timeZone: LocalTimeZone(fixedOffsetSeconds: 3600), referenceTime: SyslogParser.fixedReferenceTime)
        let text = "<189>123: *Mar  1 2024 18:46:11.123 UTC: %SYS-5-CONFIG_I: x"
        #expect(try parse(text, parser: parser).utc == "2024-03-01T18:46:11.123000Z")
        let stamp = try #require(try timestamp(text, parser: parser))
        #expect(stamp.hasExplicitOffset && !stamp.yearWasInferred)
    }

    // `logging origin-id hostname` puts the device name between the sequence number and the
    // timestamp (syslog-ng's cisco-parser documents this form and takes it as HOST).
    @Test func ciscoOriginIDHostnameIsTheHostname() throws {
        #expect(try parse("<189>29: foo: *Apr 29 13:58:40.411: %SYS-5-CONFIG_I: Configured from console by console") == ParsedFields(
            format: .rfc3164, priority: 189, utc: "2024-04-29T13:58:40.411000Z", utcOffset: 0, hostname: "foo",
            appName: "%SYS-5-CONFIG_I", message: "Configured from console by console", service: "%SYS-5-CONFIG_I"))
    }

    // NX-OS 9.3 sends `: YYYY Mmm dd hh:mm:ss ZONE: %FAC-SEV-MNEMONIC:` (an empty sequence number, year first).
    @Test func nxosYearFirstTimestampIsRecognised() throws {
        #expect(try parse("<187>: 2025 Jun 25 11:27:28 GMT: %AUTHPRIV-3-SYSTEM_MSG: message") == ParsedFields(
            format: .rfc3164, priority: 187, utc: "2025-06-25T11:27:28.000000Z", utcOffset: 0,
            appName: "%AUTHPRIV-3-SYSTEM_MSG", message: "message", service: "%AUTHPRIV-3-SYSTEM_MSG"))
    }

    // MARK: Devices, from the vendors' documented formats (reference time 2024-05-20)

    static func bsd(_ pri: Int, _ utc: String, host: String?, app: String?, pid: String? = nil, _ message: String?) -> ParsedFields {
        ParsedFields(format: .rfc3164, priority: pri, utc: utc, utcOffset: 0, hostname: host, appName: app, procID: pid,
                     message: message, service: app ?? host)
    }

    @Test(arguments: [
        Line("Juniper Junos", "<28>Mar 18 12:00:00 router1 mib2d[1234]: SNMP_TRAP_LINK_DOWN: ifIndex 520, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/0",
             bsd(28, "2024-03-18T12:00:00.000000Z", host: "router1", app: "mib2d", pid: "1234", "SNMP_TRAP_LINK_DOWN: ifIndex 520, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/0")),
        Line("Juniper SRX structured", #"<14>1 2024-05-19T10:00:00.123+02:00 srx01 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address="10.0.0.1" source-port="5000" destination-address="8.8.8.8" destination-port="53"] session created 10.0.0.1/5000->8.8.8.8/53"#,
             ParsedFields(format: .rfc5424, priority: 14, version: 1, utc: "2024-05-19T08:00:00.123000Z", utcOffset: 7200,
                          hostname: "srx01", appName: "RT_FLOW", msgID: "RT_FLOW_SESSION_CREATE",
                          structuredData: [SDElement("junos@2636.1.1.1.2.129", ["source-address": "10.0.0.1", "source-port": "5000", "destination-address": "8.8.8.8", "destination-port": "53"])],
                          message: "session created 10.0.0.1/5000->8.8.8.8/53", service: "RT_FLOW")),
        Line("Fortinet FortiGate key=value", #"<189>date=2024-05-19 time=10:00:00 devname="FGT60E" devid="FGT60ETK18000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.0.0.1 dstip=8.8.8.8 action="accept""#,
             ParsedFields(format: .rfc3164, priority: 189,
                          message: #"date=2024-05-19 time=10:00:00 devname="FGT60E" devid="FGT60ETK18000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.0.0.1 dstip=8.8.8.8 action="accept""#)),
        Line("Palo Alto CSV", "<14>May 19 10:00:00 PA-VM 1,2024/05/19 10:00:00,012345678901,TRAFFIC,end,2560,2024/05/19 10:00:00,10.0.0.1,8.8.8.8",
             bsd(14, "2024-05-19T10:00:00.000000Z", host: "PA-VM", app: nil, "1,2024/05/19 10:00:00,012345678901,TRAFFIC,end,2560,2024/05/19 10:00:00,10.0.0.1,8.8.8.8")),
        Line("MikroTik RouterOS", "<30>May 19 10:00:00 MikroTik system,info,account user admin logged in from 10.0.0.2 via ssh",
             bsd(30, "2024-05-19T10:00:00.000000Z", host: "MikroTik", app: nil, "system,info,account user admin logged in from 10.0.0.2 via ssh")),
        Line("MikroTik RouterOS, no header", "<30>system,info,account user admin logged in from 10.0.0.2 via winbox",
             ParsedFields(format: .rfc3164, priority: 30, message: "system,info,account user admin logged in from 10.0.0.2 via winbox")),
        Line("Ubiquiti EdgeRouter firewall", "<13>May 19 10:00:00 ubnt-edgerouter kernel: [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=00:11:22:33:44:55 SRC=1.2.3.4 DST=5.6.7.8 LEN=40 PROTO=TCP SPT=1234 DPT=22",
             bsd(13, "2024-05-19T10:00:00.000000Z", host: "ubnt-edgerouter", app: "kernel", "[WAN_LOCAL-default-D]IN=eth0 OUT= MAC=00:11:22:33:44:55 SRC=1.2.3.4 DST=5.6.7.8 LEN=40 PROTO=TCP SPT=1234 DPT=22")),
        Line("Ubiquiti UniFi AP", "<30>May 19 10:00:00 U7PG2,18e829abcdef,v4.3.28.11361 hostapd: ath0: STA 11:22:33:44:55:66 IEEE 802.11: associated",
             bsd(30, "2024-05-19T10:00:00.000000Z", host: "U7PG2,18e829abcdef,v4.3.28.11361", app: "hostapd", "ath0: STA 11:22:33:44:55:66 IEEE 802.11: associated")),
        Line("HAProxy, no hostname", #"<134>May 19 10:00:00 haproxy[73411]: 10.0.0.1:5432 [19/May/2024:10:00:00.123] fe be/srv 0/0/1/2/3 200 123 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1""#,
             bsd(134, "2024-05-19T10:00:00.000000Z", host: nil, app: "haproxy", pid: "73411", #"10.0.0.1:5432 [19/May/2024:10:00:00.123] fe be/srv 0/0/1/2/3 200 123 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1""#)),
        Line("nginx access log", #"<190>May 19 10:00:00 web01 nginx: 10.0.0.1 - - [19/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0""#,
             bsd(190, "2024-05-19T10:00:00.000000Z", host: "web01", app: "nginx", #"10.0.0.1 - - [19/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0""#)),
        Line("postfix", "<22>May 19 10:00:00 mail postfix/smtpd[123]: connect from unknown[10.0.0.2]",
             bsd(22, "2024-05-19T10:00:00.000000Z", host: "mail", app: "postfix/smtpd", pid: "123", "connect from unknown[10.0.0.2]")),
        Line("systemd", "<30>May 19 10:00:00 host systemd[1]: Started Session 5 of user root.",
             bsd(30, "2024-05-19T10:00:00.000000Z", host: "host", app: "systemd", pid: "1", "Started Session 5 of user root.")),
        Line("systemd-logind", "<38>May 19 10:00:00 host systemd-logind[789]: New session 5 of user root.",
             bsd(38, "2024-05-19T10:00:00.000000Z", host: "host", app: "systemd-logind", pid: "789", "New session 5 of user root.")),
        Line("kernel", "<4>May 19 10:00:00 host kernel: [12345.678901] eth0: link down",
             bsd(4, "2024-05-19T10:00:00.000000Z", host: "host", app: "kernel", "[12345.678901] eth0: link down")),
        Line("sshd", "<38>May 19 10:00:00 host sshd[2345]: Accepted publickey for root from 10.0.0.2 port 50000 ssh2: RSA SHA256:abc",
             bsd(38, "2024-05-19T10:00:00.000000Z", host: "host", app: "sshd", pid: "2345", "Accepted publickey for root from 10.0.0.2 port 50000 ssh2: RSA SHA256:abc")),
        Line("sshd PAM", "<86>May 19 10:00:00 host sshd[2345]: pam_unix(sshd:session): session opened for user root by (uid=0)",
             bsd(86, "2024-05-19T10:00:00.000000Z", host: "host", app: "sshd", pid: "2345", "pam_unix(sshd:session): session opened for user root by (uid=0)")),
        Line("CRON", "<78>May 19 10:00:01 host CRON[3456]: (root) CMD (run-parts /etc/cron.hourly)",
             bsd(78, "2024-05-19T10:00:01.000000Z", host: "host", app: "CRON", pid: "3456", "(root) CMD (run-parts /etc/cron.hourly)")),
        Line("Windows via NXLog (BSD)", "<14>May 19 10:00:00 WIN-SRV01 Microsoft-Windows-Security-Auditing[4624]: An account was successfully logged on.",
             bsd(14, "2024-05-19T10:00:00.000000Z", host: "WIN-SRV01", app: "Microsoft-Windows-Security-Auditing", pid: "4624", "An account was successfully logged on.")),
        Line("Windows via NXLog (IETF)", #"<14>1 2024-05-19T10:00:00.000000+02:00 WIN-SRV01 Microsoft-Windows-Security-Auditing 636 - [NXLOG@14506 EventReceivedTime="2024-05-19 10:00:01" SourceModuleName="eventlog" SourceModuleType="im_msvistalog"] An account was successfully logged on."#,
             ParsedFields(format: .rfc5424, priority: 14, version: 1, utc: "2024-05-19T08:00:00.000000Z", utcOffset: 7200,
                          hostname: "WIN-SRV01", appName: "Microsoft-Windows-Security-Auditing", procID: "636",
                          structuredData: [SDElement("NXLOG@14506", ["EventReceivedTime": "2024-05-19 10:00:01", "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog"])],
                          message: "An account was successfully logged on.", service: "Microsoft-Windows-Security-Auditing")),
        // Snare's payload is tab-separated and has no `:`; it all stays MSG.
        Line("Windows via Snare", "<13>May 19 10:00:00 WIN-SRV01 MSWinEventLog\t1\tSecurity\t123\tSun May 19 10:00:00 2024\t4624\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tWIN-SRV01\tLogon\tAn account was successfully logged on.",
             bsd(13, "2024-05-19T10:00:00.000000Z", host: "WIN-SRV01", app: nil, "MSWinEventLog\t1\tSecurity\t123\tSun May 19 10:00:00 2024\t4624\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tWIN-SRV01\tLogon\tAn account was successfully logged on.")),
    ])
    func deviceLineParsesFieldByField(_ line: Line) throws {
        #expect(try parse(line.text) == line.expected)
    }

    // BIG-IP writes the severity word between HOSTNAME and TAG (`bigip1 warning tmm[11048]:`);
    // users of rsyslog and syslog-ng report `warning` ending up as the program name.
    @Test
    func f5SeverityWordBeforeTagIsSkipped() throws {
        #expect(try parse("<132>Oct 16 19:34:15 bigip1 warning tmm[11048]: 011e0001:4: Limiting icmp unreach response from 251 to 250 packets/sec")
            == Self.bsd(132, "2023-10-16T19:34:15.000000Z", host: "bigip1", app: "tmm", pid: "11048",
                        "011e0001:4: Limiting icmp unreach response from 251 to 250 packets/sec"))
    }

    @Test func tabAfterTheTimestampSeparatesItLikeASpace() throws {
        let fields = try parse("<13>May 14 09:21:07\tweb01\tsshd[7]: ok")
        #expect(fields.utc == "2024-05-14T09:21:07.000000Z")
        #expect(fields.hostname == "web01")
        #expect(fields.appName == "sshd" && fields.procID == "7" && fields.message == "ok")
    }

    @Test func february29WithoutAYearFallsInTheLatestLeapYear() throws {
        // Reference 2026-03-01: Feb 29 does not exist in 2026 or 2025; 2024 is the latest leap year.
        let parser = SyslogParser(timeZone: .utc, referenceTime: 1_772_323_200)
        #expect(try parse("<13>Feb 29 12:00:00 host app: x", parser: parser).utc == "2024-02-29T12:00:00.000000Z")
        #expect(try parse("<13>Feb 29 12:00:00 host app: x", parser: parser).hostname == "host")
    }
}

/// The fields of `RFC3164Tests.header` + a line's rest.
private func macFields(appName: String? = nil, procID: String? = nil, subsystem: String? = nil, message: String?) -> ParsedFields {
    ParsedFields(
        format: .rfc3164, priority: 13, utc: "2024-05-19T10:00:00.000000Z", utcOffset: 0,
        hostname: "mac", appName: appName, procID: procID, message: message, service: appName ?? "mac",
        subsystem: subsystem)
}
