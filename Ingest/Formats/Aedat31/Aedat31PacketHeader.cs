using System.Buffers.Binary;

namespace EventSnn.Ingest;

/// <summary>The 28-byte little-endian header of an AEDAT 3.1 packet (FORMATS.md §3.2).</summary>
public readonly record struct Aedat31PacketHeader(short EventType, short EventSource, int EventSize, int EventTSOffset,
    int EventTSOverflow, int EventCapacity, int EventNumber, int EventValid)
{
    /// <summary>Body length in bytes: capacity × size.</summary>
    public long BodyLength => (long)EventCapacity * EventSize;

    /// <summary>Parses the first 28 bytes of <paramref name="header"/>.</summary>
    public static Aedat31PacketHeader Parse(ReadOnlySpan<byte> header) => new(
        BinaryPrimitives.ReadInt16LittleEndian(header),
        BinaryPrimitives.ReadInt16LittleEndian(header[2..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[4..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[12..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[20..]),
        BinaryPrimitives.ReadInt32LittleEndian(header[24..]));

    /// <summary>Writes the header into the first 28 bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16LittleEndian(destination, EventType);
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], EventSource);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], EventSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], EventTSOffset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], EventTSOverflow);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], EventCapacity);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], EventNumber);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], EventValid);
    }

    /// <summary>What is wrong with the header, or null when its fields are consistent.</summary>
    public string? Problem()
    {
        if (EventSize <= 0) return $"eventSize > 0 (found {EventSize})";
        if (EventTSOffset < 0 || EventTSOffset > EventSize - 4) return $"eventTSOffset within the event (found {EventTSOffset} for size {EventSize})";
        if (EventCapacity < 0) return $"eventCapacity ≥ 0 (found {EventCapacity})";
        if (EventNumber < 0 || EventNumber > EventCapacity) return $"0 ≤ eventNumber ≤ eventCapacity (found {EventNumber} of {EventCapacity})";
        if (EventValid < 0 || EventValid > EventNumber) return $"0 ≤ eventValid ≤ eventNumber (found {EventValid} of {EventNumber})";
        if (EventTSOverflow < 0) return $"eventTSOverflow ≥ 0 (found {EventTSOverflow})";
        if (EventType == Aedat31Decoder.PolarityEventType && (EventSize != 8 || EventTSOffset != 4))
            return $"polarity events of 8 bytes with the timestamp at 4 (found size {EventSize}, offset {EventTSOffset})";
        return null;
    }
}
