"""Safety events and the incidents that group them: storing, workflow, escalation, search."""
