"""The customer portal "Mijn Financial Services" (PORTAL.md): pages, texts, security headers."""
