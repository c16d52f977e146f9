import Testing
@testable import Patterns

/// One case per masking rule: what a message looks like after masking.
@Suite struct MaskingTests {
    @Test(arguments: [
        // numbers, signed, decimal, with units glued on
        ("took 125 ms", "took <*> <*>"),  // a unit after a value goes with it
        ("lifetime <1 sec", "lifetime <*> <*>"),
        ("ms and sec alone", "ms and sec alone"),
        ("delta -42 ratio 0.75", "delta <*> ratio <*>"),
        ("size 64KB", "size <*>"),
        // hex
        ("at 0x7f3a2c and deadbeefcafebabe", "at <*> and <*>"),
        // IPv4, with a port, in brackets
        ("from 10.251.73.220:50010 and [192.168.0.1]", "from <*> and <*>"),
        // IPv6
        ("peer fe80::1ff:fe23:4567:890a port 22", "peer <*> port <*>"),
        // UUID
        ("instance 0b7c4f0e-6c64-4d52-9a31-3b0b4a2f9e1d started", "instance <*> started"),
        // paths and URLs
        ("open /var/log/syslog failed", "open <*> failed"),
        ("fetch hdfs://host:9000/user/data ok", "fetch <*> ok"),
        ("load C:\\Windows\\system32 done", "load <*> done"),
        // key=value: the value, even alphabetic — but an empty value is no value
        ("logname= uid=0 user=root", "logname= uid=<*> user=<*>"),
        ("(uid=0) opened", "(uid=<*>) opened"),
        // brackets opened inside a value are part of it
        ("ws=WorkSource{10113}, uid=1000", "ws=<*>, uid=<*>"),
        ("ws=null, uid=1000", "ws=<*>, uid=<*>"),
        // constant words keep their punctuation; masked parts stay in place
        ("onExtend:1514038530000 14", "onExtend:<*> <*>"),
        ("proxy.cse.cuhk.edu.hk:5070 close", "<*> close"),
        ("to mtalk.google.com:443 via proxy", "to <*> via proxy"),
        ("at Foo.bar:12)", "at Foo.bar:<*>)"),
        ("state:404 done", "state:<*> done"),
        ("blk_-1608999687919862906 stored", "<*> stored"),
        ("HTTP/1.1 200", "HTTP/<*> <*>"),
        // dates written out
        ("at Fri Jun 17 07:07:00 2005", "at <*> <*> <*> <*> <*>"),
        // punctuation-only tokens and plain words stay
        ("a - b -> c |", "a - b -> c |"),
        // whitespace runs collapse to one space
        ("  spaced \t out  ", "spaced out"),
    ])
    func masksVariableParts(input: String, expected: String) {
        #expect(MessageShape.masked(input) == expected)
    }

    @Test func wordsWithoutDigitsAreConstant() {
        #expect(MessageShape.masked("Connection closed by peer") == "Connection closed by peer")
        #expect(MessageShape.masked("chrome.exe java.io.IOException") == "chrome.exe java.io.IOException")
    }

    @Test func anEmptyMessageHasAnEmptyShape() {
        #expect(MessageShape.masked("") == "")
        #expect(MessageShape.masked("   ") == "")
    }

    @Test func theTokenLimitFoldsTheRestIntoOneVariable() {
        let long = (1...10).map { "w\(Character(UnicodeScalar(96 + $0)!))" }.joined(separator: " ")
        var text = long
        let shape = text.withUTF8 { MessageShape.masked(UnsafeRawBufferPointer($0), maximumTokens: 3) }
        #expect(shape == "wa wb <*>")
    }

    @Test func invalidUTF8IsMaskedLikeLetters() {
        let bytes: [UInt8] = [0x66, 0xFF, 0x6F, 0x20, 0x31]  // "f\xFFo 1"
        let shape = bytes.withUnsafeBytes { MessageShape.masked($0) }
        #expect(shape.hasSuffix(" <*>"))
        #expect(shape.utf8.count > 4)
    }
}
