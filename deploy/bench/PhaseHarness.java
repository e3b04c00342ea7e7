// PhaseHarness.java - runs the worker's PhaseRunner on the phase "true" N times, outside any
// farm, and prints the median time of PhaseRunner.run and of the wall it measures itself
// (PhaseResult). Run by phase-overhead.sh: java -cp farm.jar PhaseHarness.java N
import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.worker.execute.*;
import java.nio.file.*;
import java.util.*;
public class PhaseHarness {
    public static void main(String[] a) throws Exception {
        ExecutionSettings s = ExecutionSettings.detect();
        System.out.println("method " + s.method());
        Path work = Files.createTempDirectory("phase-harness");
        int n = Integer.parseInt(a[0]);
        double[] outer = new double[n], inner = new double[n];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                Workspace ws = Workspace.create(work.resolve("attempts"), "h-" + i, false);
                try (AttemptLog log = new AttemptLog(ws.log(), AttemptLog.DEFAULT_CAP_BYTES, LogSink.NONE)) {
                    PhaseRunner r = new PhaseRunner(s, ws, "h-" + i, log);
                    Map<String, String> env = PhaseEnvironment.of(ws, 1, Map.of(), Map.of()).variables();
                    long t = System.nanoTime();
                    PhaseResult res = r.run(Phase.BUILD, "true", ws.src(), env);
                    outer[i] = (System.nanoTime() - t) / 1e6;
                    inner[i] = res.usage().wallSeconds() * 1000;
                }
                ws.finish(true);
            }
        }
        Arrays.sort(outer); Arrays.sort(inner);
        Files.deleteIfExists(work.resolve("attempts"));
        Files.deleteIfExists(work);
        System.out.printf("PhaseRunner.run(\"true\"): median %.2f ms (min %.2f); its PhaseResult wall median %.2f ms (min %.2f)%n",
                outer[n / 2], outer[0], inner[n / 2], inner[0]);
    }
}
