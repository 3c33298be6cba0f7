using PureHDF;

namespace EventSnn.Ingest.Binning;

/// <summary>Writes frames for inspection: HDF5 with <c>frames</c> float32 [T,2,H,W], <c>slices</c> int64 [T,2] and the rule as attributes.</summary>
public static class FramesFile
{
    /// <summary>Writes <paramref name="frames"/> and their <paramref name="slices"/> to <paramref name="path"/> (through a temporary file).</summary>
    public static void Write(string path, Frames frames, EventSlice[] slices, string rule, string source, int downsample)
    {
        var ranges = new long[slices.Length * 2];
        for (int i = 0; i < slices.Length; i++) { ranges[2 * i] = slices[i].Start; ranges[2 * i + 1] = slices[i].End; }
        var file = new H5File
        {
            ["frames"] = new H5Dataset(frames.Data, fileDims: [(ulong)frames.T, 2, (ulong)frames.Height, (ulong)frames.Width]),
            ["slices"] = new H5Dataset(ranges, fileDims: [(ulong)slices.Length, 2]),
        };
        file.Attributes["rule"] = rule;
        file.Attributes["source"] = source;
        file.Attributes["downsample"] = downsample;
        file.Attributes["layout"] = "frames[T][C][H][W], C: 0 = OFF, 1 = ON, value = event count";
        string tmp = $"{path}.tmp-{Environment.ProcessId}";
        try
        {
            file.Write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
