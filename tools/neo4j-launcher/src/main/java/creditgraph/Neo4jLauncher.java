package creditgraph;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * A local Neo4j Community server for creditgraph: embedded Neo4j with the Bolt connector on 127.0.0.1.
 *
 * <p>Usage: {@code java -cp 'neo4j-launcher.jar:lib/*' creditgraph.Neo4jLauncher HOME [PORT]}. HOME holds
 * the data (created if missing); PORT 0 or absent picks a free port. Authentication is on: the neo4j
 * user's password is taken from the environment variable NEO4J_PASSWORD (never from the command line,
 * where other users could read it). When Bolt accepts connections it prints one line
 * {@code READY bolt://127.0.0.1:PORT} on standard output; SIGTERM (or SIGINT) shuts the databases
 * down cleanly and the process exits 0.
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Neo4jLauncher HOME [PORT]  (password in NEO4J_PASSWORD)");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set to at least 8 characters");
            System.exit(2);
        }
        Files.createDirectories(home);
        if (port == 0) {
            port = freePort();
        }
        SocketAddress bolt = new SocketAddress("127.0.0.1", port);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, bytes(System.getProperty("creditgraph.pagecache", "256m")))
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));
        try {
            setPassword(dbms, password);
        } catch (RuntimeException e) {
            System.err.println("could not set the neo4j user's password: " + e.getMessage());
            dbms.shutdown();
            System.exit(1);
        }
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /** "256m", "2g", "512k" or a plain number of bytes. */
    static long bytes(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        long scale = switch (unit) {
            case 'k' -> ByteUnit.kibiBytes(1);
            case 'm' -> ByteUnit.mebiBytes(1);
            case 'g' -> ByteUnit.gibiBytes(1);
            default -> 1L;
        };
        String digits = scale == 1L ? t : t.substring(0, t.length() - 1);
        return Long.parseLong(digits) * scale;
    }

    /**
     * The neo4j user's password, with no change required at first sign-in (Community user management).
     * A restart on the same data with the same password leaves it as it is.
     */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
