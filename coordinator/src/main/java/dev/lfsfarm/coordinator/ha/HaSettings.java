package dev.lfsfarm.coordinator.ha;

import java.time.Duration;

/**
 * How a coordinator takes part in leader election.
 *
 * @param zkConnect ZooKeeper connect string, {@code host:port[,host:port...][/chroot]}
 * @param sessionTimeout ZooKeeper session timeout: how long a silent leader keeps its leadership
 * @param name this coordinator's name in the election and in {@code /farm/leader/active}
 * @param grpcAddress the HOST:PORT clients and workers should use to reach this coordinator
 * @param httpAddress the HOST:PORT of its HTTP endpoint, or empty
 */
public record HaSettings(
        String zkConnect, Duration sessionTimeout, String name, String grpcAddress, String httpAddress) {}
