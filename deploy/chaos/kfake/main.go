// Command kfake runs a single in-memory Kafka broker (franz-go's kfake) on
// a fixed loopback port, for the fault run (deploy/chaos/run.sh,
// BACKEND=kafka). It keeps every record in memory for the life of the
// process — a long, fast run needs memory in proportion — and stops on
// SIGINT or SIGTERM. The fault run pauses it with SIGSTOP and resumes it
// with SIGCONT.
//
//	go run ./deploy/chaos/kfake --port 19092
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 19092, "port to listen on, on 127.0.0.1")
	flag.Parse()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(*port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("KAFKA_BROKERS=%s\n", c.ListenAddrs()[0])
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	c.Close()
}
