"""Publishing event changes to other systems (webhooks, MQTT) from the change journal."""
