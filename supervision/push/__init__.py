"""Pushing incidents to care-home phone groups: WeCom, DingTalk and Feishu group robots."""
