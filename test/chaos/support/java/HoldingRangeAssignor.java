import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupAssignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.Cluster;

/**
 * Kafka's range assignor that, on the group leader, first waits while the file named by the system
 * property kafkats.holdFile exists (at most kafkats.holdMaxMs), after creating holdFile.assigning.
 * The chaos tests use it to keep the followers' SyncGroup requests waiting at the coordinator.
 * Same protocol name as RangeAssignor, so such members mix with any range member.
 */
public class HoldingRangeAssignor extends RangeAssignor {
  @Override
  public GroupAssignment assign(Cluster metadata, GroupSubscription subscriptions) {
    String hold = System.getProperty("kafkats.holdFile");
    if (hold != null && Files.exists(Paths.get(hold))) {
      long maxMs = Long.getLong("kafkats.holdMaxMs", 10_000L);
      long deadline = System.currentTimeMillis() + maxMs;
      try {
        Files.writeString(Paths.get(hold + ".assigning"), Long.toString(System.currentTimeMillis()));
        Path file = Paths.get(hold);
        while (Files.exists(file) && System.currentTimeMillis() < deadline) Thread.sleep(50);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }
    return super.assign(metadata, subscriptions);
  }
}
