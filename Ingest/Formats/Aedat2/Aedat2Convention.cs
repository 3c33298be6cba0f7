namespace EventSnn.Ingest;

/// <summary>
/// How AEDAT 2.0 DVS128 addresses map to (x, y, polarity). With rx = (a &gt;&gt; 1) &amp; 0x7F, ry = (a &gt;&gt; 8) &amp; 0x7F,
/// b0 = a &amp; 1 (raw polarity, 0 = ON on the chip), every public convention has the form
/// x = (swap ? ry : rx) ^ XorX, y = (swap ? rx : ry) ^ XorY, p = b0 ^ XorP (XOR 127 = "127 − v" for 7-bit v).
/// See FORMATS.md §1.3.
/// </summary>
public readonly record struct Aedat2Convention(string Name, bool Swap, int XorX, int XorY, int XorP)
{
    /// <summary>Name of the default: libcaer's DVS128 driver (DV, AEDAT 3.1/4, live cameras).</summary>
    public const string LibcaerName = "libcaer";

    /// <summary>x = 127 − rx, y = 127 − ry, p = 1 − b0: origin top-left, the project's canonical geometry.</summary>
    public static Aedat2Convention Libcaer => new(LibcaerName, false, 127, 127, 1);
    /// <summary>SpikingJelly's CIFAR10-DVS loader: x = 127 − ry, y = 127 − rx, p = 1 − b0.</summary>
    public static Aedat2Convention SpikingJelly => new("spikingjelly", true, 127, 127, 1);
    /// <summary>events-tfds (= MNIST-DVS dat2mat.m): x = 127 − rx, y = ry, p = 1 − b0.</summary>
    public static Aedat2Convention EventsTfds => new("events-tfds", false, 127, 0, 1);
    /// <summary>Tonic's read_dvs_128 helper: x = ry, y = rx, p = b0 (polarity not inverted).</summary>
    public static Aedat2Convention TonicDvs128 => new("tonic-dvs128", true, 0, 0, 0);
    /// <summary>Address bits as stored: x = rx, y = ry, p = 1 − b0 (ON = 1 as everywhere in the project).</summary>
    public static Aedat2Convention Raw => new("raw", false, 0, 0, 1);

    /// <summary>All conventions by name.</summary>
    public static IReadOnlyList<Aedat2Convention> All { get; } = [Libcaer, SpikingJelly, EventsTfds, TonicDvs128, Raw];

    /// <summary>The convention called <paramref name="name"/> (case-insensitive; "sj" and "tfds" are accepted too).</summary>
    public static Aedat2Convention Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n == "sj") n = "spikingjelly";
        if (n is "tfds" or "events_tfds" or "dat2mat") n = "events-tfds";
        if (n is "dv") n = LibcaerName;
        foreach (var c in All) if (c.Name == n) return c;
        throw new ArgumentException($"unknown coordinate convention '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}");
    }
}
