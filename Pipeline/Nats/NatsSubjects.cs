using System.Text;

namespace EventSnn.Pipeline.Nats;

/// <summary>
/// Names on the NATS server: subjects, JetStream streams, the key-value bucket, message headers, and the
/// stable partition of a stream id.
/// </summary>
public static class NatsSubjects
{
    /// <summary>JetStream stream holding event packets (<c>eventsnn.events.&lt;partition&gt;.&lt;stream-id&gt;</c>).</summary>
    public const string EventsStream = "EVENTSNN_EVENTS";
    /// <summary>JetStream stream holding decisions and notices, kept for audit and replay.</summary>
    public const string DecisionsStream = "EVENTSNN_DECISIONS";
    /// <summary>Key-value bucket holding the partition count, worker membership and partition leases.</summary>
    public const string Bucket = "EVENTSNN_WORKERS";
    /// <summary>Key of the partition count in <see cref="Bucket"/>.</summary>
    public const string PartitionsKey = "partitions";
    /// <summary>Partition count used when the streams are created without one.</summary>
    public const int DefaultPartitions = 16;
    /// <summary>Largest partition count accepted.</summary>
    public const int MaxPartitions = 1024;

    /// <summary>Header: the publisher's packet sequence number within the stream, from 0.</summary>
    public const string SequenceHeader = "EventSnn-Seq";
    /// <summary>Header: timestamp of the packet's first event, µs.</summary>
    public const string FirstEventHeader = "EventSnn-First-Us";
    /// <summary>Header: timestamp of the packet's last event, µs.</summary>
    public const string LastEventHeader = "EventSnn-Last-Us";
    /// <summary>Header: number of events in the packet.</summary>
    public const string EventCountHeader = "EventSnn-Events";
    /// <summary>Header: sensor size <c>WxH</c> in pixels.</summary>
    public const string SensorHeader = "EventSnn-Sensor";
    /// <summary>Header: identifies one run of a publisher for a stream (decisions resume only within one run).</summary>
    public const string SessionHeader = "EventSnn-Session";
    /// <summary>Header: <c>end</c> on the packet without events that says the stream ended.</summary>
    public const string EndHeader = "EventSnn-End";
    /// <summary>JetStream's de-duplication header.</summary>
    public const string MsgIdHeader = "Nats-Msg-Id";

    /// <summary>Subject of a stream's event packets.</summary>
    public static string Events(int partition, string streamId) => $"eventsnn.events.{partition}.{streamId}";
    /// <summary>Subjects of one partition's packets.</summary>
    public static string PartitionFilter(int partition) => $"eventsnn.events.{partition}.>";
    /// <summary>Subject of a stream's decisions for a worker group (the default group adds no token).</summary>
    public static string Decisions(string streamId, string group) => Suffix($"eventsnn.decisions.{streamId}", group);
    /// <summary>Subject of a stream's notices for a worker group.</summary>
    public static string Notices(string streamId, string group) => Suffix($"eventsnn.notices.{streamId}", group);

    static string Suffix(string subject, string group) => group == DefaultGroup ? subject : $"{subject}.{group}";

    /// <summary>The worker group used when none is named.</summary>
    public const string DefaultGroup = "default";

    /// <summary>
    /// The partition of a stream id: 32-bit FNV-1a of its UTF-8 bytes modulo <paramref name="partitions"/>.
    /// Stable across processes, machines and versions (unlike <see cref="string.GetHashCode()"/>).
    /// </summary>
    public static int Partition(string streamId, int partitions)
    {
        if (partitions < 1) throw new ArgumentOutOfRangeException(nameof(partitions), "partition count must be >= 1");
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(streamId))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return (int)(hash % (uint)partitions);
    }

    /// <summary>
    /// Checks a stream id or group name: 1..64 characters from <c>A-Z a-z 0-9 _ -</c> (one subject token, one
    /// key-value key part).
    /// </summary>
    /// <exception cref="ArgumentException">Names what is wrong.</exception>
    public static string CheckName(string name, string what)
    {
        if (name.Length is 0 or > 64) throw new ArgumentException($"{what} '{name}' must be 1 to 64 characters long");
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw new ArgumentException($"{what} '{name}' may only hold letters, digits, '_' and '-' (it becomes a NATS subject token); '{c}' is not allowed");
        return name;
    }
}
