package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageStatus;

/** How builds and packages read in the CLI's JSON and text: states in capitals without their prefix, times in seconds. */
final class BuildJson {
    private BuildJson() {}

    static String state(Build b) {
        return b.getState().name().replace("BUILD_STATE_", "");
    }

    static String state(PackageStatus p) {
        return p.getState().name().replace("PACKAGE_STATE_", "");
    }

    static double seconds(com.google.protobuf.Timestamp t) {
        return t.getSeconds() + t.getNanos() / 1e9;
    }
}
