import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ConsumerProtocolAssignment;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.message.ControlRecordTypeSchema;
import org.apache.kafka.common.message.EndTxnMarker;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Reads every sample written by write-samples.ts with Kafka's own generated message classes,
 * requires the whole buffer to be consumed, writes the message back with Kafka's code and requires
 * the same bytes. Exits non-zero on any mismatch.
 */
public class JavaRoundTrip {
  public static void main(String[] args) throws Exception {
    List<Path> files = new ArrayList<>();
    try (var listing = Files.list(Paths.get(args[0]))) {
      listing.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(files::add);
    }
    int failed = 0;
    for (Path path : files) {
      String name = path.getFileName().toString().replace(".bin", "");
      String[] parts = name.split("_");
      byte[] in = Files.readAllBytes(path);
      try {
        short version = Short.parseShort(parts[2]);
        Message message = parts[0].equals("data") ? dataMessage(parts[1]) : apiMessage(parts[0], parts[1]);
        ByteBuffer buffer = ByteBuffer.wrap(in);
        message.read(new ByteBufferAccessor(buffer), version);
        if (buffer.hasRemaining()) throw new IllegalStateException(buffer.remaining() + " byte(s) unread");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer out = ByteBuffer.allocate(message.size(cache, version));
        message.write(new ByteBufferAccessor(out), cache, version);
        if (!Arrays.equals(out.array(), in)) throw new IllegalStateException("Kafka writes different bytes");
      } catch (Exception e) {
        failed++;
        System.out.println("FAIL " + name + ": " + e);
      }
    }
    System.out.println((files.size() - failed) + " of " + files.size() + " samples read and rewritten identically");
    System.exit(failed == 0 && !files.isEmpty() ? 0 : 1);
  }

  private static Message apiMessage(String key, String kind) {
    ApiMessageType type = ApiMessageType.fromApiKey(Short.parseShort(key));
    return kind.equals("request") ? type.newRequest() : type.newResponse();
  }

  private static Message dataMessage(String name) {
    switch (name) {
      case "ConsumerProtocolSubscription": return new ConsumerProtocolSubscription();
      case "ConsumerProtocolAssignment": return new ConsumerProtocolAssignment();
      case "ControlRecordTypeSchema": return new ControlRecordTypeSchema();
      case "EndTxnMarker": return new EndTxnMarker();
      default: throw new IllegalArgumentException("unknown data schema " + name);
    }
  }
}
