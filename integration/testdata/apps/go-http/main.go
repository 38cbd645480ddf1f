// go-http: the Go sample app. Serves on $PORT; debugger tests set a
// breakpoint on the line marked BREAKPOINT and drive it with a request.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
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
	log.Printf("go-http listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
