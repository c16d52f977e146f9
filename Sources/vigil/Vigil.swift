@main struct Vigil { static func main() {} }
