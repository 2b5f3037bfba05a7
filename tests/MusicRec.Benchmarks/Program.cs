Console.WriteLine("MusicRec benchmarks: none yet.");
