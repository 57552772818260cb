"""The poll-to-post pipeline: poll feeds, match articles, build alerts, link stories, queue deliveries."""
