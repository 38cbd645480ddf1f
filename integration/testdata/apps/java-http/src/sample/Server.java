// java-http: serves on $PORT with the JDK's own HTTP server; debugger tests
// set a breakpoint on the line marked BREAKPOINT and drive it with a request.
package sample;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

public class Server {
    public static void main(String[] args) throws IOException {
        String env = System.getenv("PORT");
        int port = env == null ? 8080 : Integer.parseInt(env);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            String greeting = "hello from java-http"; // BREAKPOINT java-http
            byte[] body = (greeting + " path=" + exchange.getRequestURI().getPath() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("java-http listening on :" + port);
    }
}
