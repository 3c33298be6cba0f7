namespace EventSnn.Ingest;

/// <summary>
/// One external trigger event of a Prophesee recording (a rising or falling edge on a trigger input of the camera),
/// kept apart from the change-detection events.
/// </summary>
/// <param name="TimeUs">Time of the edge in µs, in the recording's time base.</param>
/// <param name="Id">Trigger channel id (EVT 2.0/2.1: 5 bits, EVT 3.0: 4 bits).</param>
/// <param name="Value">Edge value: 1 = rising, 0 = falling.</param>
public readonly record struct ExternalTrigger(long TimeUs, int Id, int Value);
