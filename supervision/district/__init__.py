"""The district link: each site's changes up to the centre over NATS JetStream, taken in there."""
