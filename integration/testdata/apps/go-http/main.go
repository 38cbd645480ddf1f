// go-http: the Go sample app. Serves on $PORT; debugger tests set a
// breakpoint on the line marked BREAKPOINT and drive it with a request.
// On SIGTERM it says so and shuts down, so tests can tell the signal
// reached it (through dlv, too).
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func hello(w http.ResponseWriter, r *http.Request) {
	greeting := "hello from go-http" // BREAKPOINT go-http
	fmt.Fprintf(w, "%s path=%s\n", greeting, r.URL.Path)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("/", hello)
	srv := &http.Server{Addr: ":" + port}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() {
		<-stop
		log.Printf("go-http: SIGTERM received, shutting down")
		_ = srv.Shutdown(context.Background())
	}()
	log.Printf("go-http listening on :%s", port)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	log.Printf("go-http stopped")
}
