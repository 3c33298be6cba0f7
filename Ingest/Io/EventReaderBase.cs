using System.Text;

namespace EventSnn.Ingest.Io;

/// <summary>Shared plumbing of the binary readers: names, header facts, warnings, the lenient/strict tail rule.</summary>
public abstract class EventReaderBase : IEventReader
{
    private protected readonly ByteSource Source_;
    private protected readonly EventReadOptions Options;
    private protected readonly Dictionary<string, string> Meta = new();
    private protected readonly List<string> WarningList = new();
    private protected readonly List<ExternalTrigger> TriggerList = new();
    long _triggersDropped;

    /// <summary>Triggers kept in memory at most; later ones are counted in the "triggers_dropped" metadata.</summary>
    public const int MaxTriggersKept = 1 << 20;
    bool _enumerated;

    private protected EventReaderBase(ByteSource source, EventReadOptions? options)
    {
        Source_ = source;
        Options = options ?? EventReadOptions.Default;
    }

    /// <inheritdoc />
    public abstract string Format { get; }
    /// <inheritdoc />
    public int Width { get; private protected set; }
    /// <inheritdoc />
    public int Height { get; private protected set; }
    /// <inheritdoc />
    public string? Source { get; private protected set; }
    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => Meta;
    /// <inheritdoc />
    public IReadOnlyList<string> Warnings => WarningList;

    /// <inheritdoc />
    public IReadOnlyList<ExternalTrigger> Triggers => TriggerList;

    /// <summary>Keeps one trigger (bounded: past <see cref="MaxTriggersKept"/> they are only counted).</summary>
    private protected void AddTrigger(ExternalTrigger trigger)
    {
        if (TriggerList.Count < MaxTriggersKept) { TriggerList.Add(trigger); return; }
        _triggersDropped++;
        Meta["triggers_dropped"] = _triggersDropped.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public IEnumerable<EventBatch> ReadBatches(int batchSize = 65536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (_enumerated) throw new InvalidOperationException("ReadBatches can be enumerated once per reader");
        _enumerated = true;
        return ReadBatchesCore(batchSize);
    }

    IEnumerable<EventBatch> ReadBatchesCore(int batchSize)
    {
        while (true)
        {
            var batch = new EventBatch(batchSize, Width, Height);
            bool more;
            try { more = FillBatch(batch, batchSize); }
            catch { batch.Dispose(); throw; }
            if (batch.Count > 0) yield return batch; else batch.Dispose();
            if (!more) yield break;
        }
    }

    /// <summary>Appends up to <paramref name="batchSize"/> − Count events; returns false once the input is exhausted.</summary>
    private protected abstract bool FillBatch(EventBatch batch, int batchSize);

    /// <summary>The file ends inside a record or packet: an error when strict, else a warning and the whole records are kept.</summary>
    private protected void CutShort(long offset, string expected, string found)
    {
        if (Options.Strict) throw Source_.Error(offset, expected, found);
        string where = Source_.Input.Entry is null ? Source_.Input.File : $"{Source_.Input.File}#{Source_.Input.Entry}";
        string msg = $"{where}: at byte {offset}: expected {expected}, found {found}; the tail was not decoded";
        WarningList.Add(msg);
        Meta["warning"] = msg;
    }

    /// <summary>Reads one ASCII header line ending in "\n" (the "\r\n" or "\n" is removed); null at the end of input.</summary>
    private protected string? ReadHeaderLine(int maxLength)
    {
        var sb = new StringBuilder();
        long start = Source_.Position;
        while (true)
        {
            int b = Source_.ReadByte();
            if (b < 0) return sb.Length == 0 ? null : sb.ToString().TrimEnd('\r');
            if (b == '\n') return sb.ToString().TrimEnd('\r');
            if (sb.Length >= maxLength) throw Source_.Error(start, $"a header line of at most {maxLength} bytes ending in LF");
            sb.Append((char)b);
        }
    }

    /// <summary>Peeks the next byte without consuming it; -1 at the end.</summary>
    private protected int PeekByte() => Source_.Fill(1) == 0 ? -1 : Source_.Available[0];

    /// <summary>Closes the input.</summary>
    public void Dispose()
    {
        Source_.Dispose();
        OnDispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a reader holds besides its input.</summary>
    private protected virtual void OnDispose() { }
}
