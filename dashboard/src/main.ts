// Entry point of the SOC dashboard (filled in by the dashboard work).
document.getElementById('app')!.textContent = 'edgeward';
