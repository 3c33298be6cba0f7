using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EventSnn.Model.Portable;

/// <summary>
/// An ONNX step graph (<see cref="OnnxExport"/>) run by ONNX Runtime for many samples or streams at once: each one's
/// membranes live in a numbered slot here (float arrays, one per state tensor); a step gathers the B slots' state into
/// the graph's state inputs, runs one step on <c>[B, C, H, W]</c> frames and scatters the new state back. The CPU
/// execution provider is used unless the build references the CUDA package (<c>-p:OnnxRuntimeGpu=true</c>) and
/// <c>useCuda</c> is set and CUDA is present. One thread at a time.
/// </summary>
public sealed class OnnxStepSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly List<float[]> slotState = new();
    private readonly string[] inputNames, outputNames;
    private float[] frameBuffer = [];
    private float[] outputBuffer = [];
    private float[][] stateIn, stateOut;

    /// <summary>Opens the step graph in <paramref name="model"/> (serialized ONNX).</summary>
    /// <param name="model">The ONNX model bytes.</param>
    /// <param name="threads">Intra-op threads (0 = ONNX Runtime's default).</param>
    /// <param name="useCuda">Try the CUDA execution provider (only in builds with the CUDA package).</param>
    /// <param name="where">Name of the model for messages (a file path).</param>
    /// <exception cref="InvalidDataException">Not an EventSnn step graph, or ONNX Runtime rejects it.</exception>
    public OnnxStepSession(byte[] model, int threads = 0, bool useCuda = false, string where = "ONNX model")
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(model); }
        catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new InvalidDataException($"{where}: not an ONNX model ({e.Message})", e); }
        States = OnnxExport.States(proto, where);
        var frame = proto.Graph.Input.FirstOrDefault(v => v.Name == OnnxExport.FrameInput)
            ?? throw new InvalidDataException($"{where}: graph input '{OnnxExport.FrameInput}' is missing");
        InputShape = frame.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
        var output = proto.Graph.Output.FirstOrDefault(v => v.Name == OnnxExport.StepOutput)
            ?? throw new InvalidDataException($"{where}: graph output '{OnnxExport.StepOutput}' is missing");
        Classes = (int)output.Type.TensorType.Shape.Dim[^1].DimValue;
        if (InputShape.Length != 3 || InputShape.Any(d => d < 1) || Classes < 1)
            throw new InvalidDataException($"{where}: frame input [{string.Join(", ", InputShape)}] or output of {Classes} classes is not a step graph's");
        using var options = new SessionOptions { InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        ExecutionProvider = "CPU";
#if ONNXRUNTIME_GPU
        if (useCuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                ExecutionProvider = "CUDA";
            }
            catch (OnnxRuntimeException) { ExecutionProvider = "CPU"; }
        }
#else
        _ = useCuda;
#endif
        try { session = new InferenceSession(model, options); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{where}: ONNX Runtime rejects the model ({e.Message})", e); }
        inputNames = [OnnxExport.FrameInput, .. States.Select(s => s.Input)];
        outputNames = [OnnxExport.StepOutput, .. States.Select(s => s.Output)];
        stateIn = States.Select(_ => Array.Empty<float>()).ToArray();
        stateOut = States.Select(_ => Array.Empty<float>()).ToArray();
    }

    /// <summary>Reads and opens an ONNX step graph file.</summary>
    public static OnnxStepSession Open(string path, int threads = 0, bool useCuda = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        return new OnnxStepSession(File.ReadAllBytes(path), threads, useCuda, path);
    }

    /// <summary>The graph's state tensors.</summary>
    public IReadOnlyList<OnnxStateTensor> States { get; }

    /// <summary>Frame shape <c>[C, H, W]</c>.</summary>
    public long[] InputShape { get; }

    /// <summary>Outputs per sample K.</summary>
    public int Classes { get; }

    /// <summary>"CPU" or "CUDA".</summary>
    public string ExecutionProvider { get; }

    private int capacity;

    /// <summary>Slots that exist now (also for a graph without state).</summary>
    public int Capacity => capacity;

    /// <summary>Bytes of state per slot.</summary>
    public long StateBytesPerSlot => States.Sum(s => s.Elements) * sizeof(float);

    /// <summary>Makes sure slots 0..<paramref name="slots"/>−1 exist (new ones at their starting membranes).</summary>
    public void EnsureSlots(int slots)
    {
        if (slots <= capacity) return;
        int grown = Math.Max(slots, capacity * 2);
        for (int e = 0; e < States.Count; e++)
        {
            long per = States[e].Elements;
            var next = new float[checked(grown * per)];
            if (e < slotState.Count) slotState[e].AsSpan().CopyTo(next);
            next.AsSpan((int)(capacity * per)).Fill(States[e].Initial);
            if (e < slotState.Count) slotState[e] = next; else slotState.Add(next);
        }
        capacity = grown;
    }

    /// <summary>Returns <paramref name="slot"/> to its starting membranes.</summary>
    public void Reset(int slot)
    {
        if ((uint)slot >= (uint)capacity) throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} does not exist ({capacity} slots)");
        for (int e = 0; e < States.Count; e++)
        {
            int per = (int)States[e].Elements;
            slotState[e].AsSpan(slot * per, per).Fill(States[e].Initial);
        }
    }

    /// <summary>
    /// One step of the B = <paramref name="slots"/>.Length slots: row i of <paramref name="frames"/> (<c>B × [C, H, W]</c>) is
    /// the next frame of slot <c>slots[i]</c>; its per-step output (K values) goes to row i of <paramref name="outputs"/>.
    /// </summary>
    public void Step(ReadOnlySpan<int> slots, ReadOnlySpan<float> frames, Span<float> outputs)
    {
        int b = slots.Length;
        if (b < 1) throw new ArgumentException("a step takes at least one slot", nameof(slots));
        int frame = (int)(InputShape[0] * InputShape[1] * InputShape[2]);
        if (frames.Length < b * frame) throw new ArgumentException($"{b} frames need {b * frame} values, got {frames.Length}", nameof(frames));
        if (outputs.Length < b * Classes) throw new ArgumentException($"{b} outputs need {b * Classes} values, got {outputs.Length}", nameof(outputs));
        foreach (int s in slots) if ((uint)s >= (uint)capacity) throw new ArgumentOutOfRangeException(nameof(slots), $"slot {s} does not exist ({capacity} slots)");
        if (frameBuffer.Length < b * frame) frameBuffer = new float[b * frame];
        if (outputBuffer.Length < b * Classes) outputBuffer = new float[b * Classes];
        frames.Slice(0, b * frame).CopyTo(frameBuffer);
        var inputs = new OrtValue[1 + States.Count];
        var outs = new OrtValue[1 + States.Count];
        try
        {
            inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, frameBuffer.AsMemory(0, b * frame), [b, InputShape[0], InputShape[1], InputShape[2]]);
            outs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, outputBuffer.AsMemory(0, b * Classes), [b, Classes]);
            for (int e = 0; e < States.Count; e++)
            {
                int per = (int)States[e].Elements;
                if (stateIn[e].Length < b * per) { stateIn[e] = new float[b * per]; stateOut[e] = new float[b * per]; }
                for (int i = 0; i < b; i++) slotState[e].AsSpan(slots[i] * per, per).CopyTo(stateIn[e].AsSpan(i * per, per));
                long[] shape = [b, .. States[e].SampleShape];
                inputs[1 + e] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, stateIn[e].AsMemory(0, b * per), shape);
                outs[1 + e] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, stateOut[e].AsMemory(0, b * per), shape);
            }
            session.Run(runOptions, inputNames, inputs, outputNames, outs);
        }
        finally
        {
            foreach (var v in inputs) v?.Dispose();
            foreach (var v in outs) v?.Dispose();
        }
        for (int e = 0; e < States.Count; e++)
        {
            int per = (int)States[e].Elements;
            for (int i = 0; i < b; i++) stateOut[e].AsSpan(i * per, per).CopyTo(slotState[e].AsSpan(slots[i] * per, per));
        }
        outputBuffer.AsSpan(0, b * Classes).CopyTo(outputs);
    }

    /// <summary>Frees the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
